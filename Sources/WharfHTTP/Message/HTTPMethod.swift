/// An HTTP request method (RFC 9110 §9).
///
/// The parser accepts any syntactically valid token but only the methods listed here are
/// implemented; any other answers 501 Not Implemented (RFC 9110 §9.1).
package struct HTTPMethod: Sendable, Hashable, CustomStringConvertible {
    package let rawValue: String

    package init(_ rawValue: String) { self.rawValue = rawValue }

    package static let get = HTTPMethod("GET")
    package static let head = HTTPMethod("HEAD")
    package static let post = HTTPMethod("POST")
    package static let put = HTTPMethod("PUT")
    package static let patch = HTTPMethod("PATCH")
    package static let delete = HTTPMethod("DELETE")
    package static let options = HTTPMethod("OPTIONS")
    /// `TRACE` and `QUERY` (the IETF draft's safe query with a body) are known, and refused on
    /// every path (405 with `Allow`): no route takes them, so a request is never echoed back.
    /// Answering 405 rather than 501 tells clients and scanners which methods a path does take.
    package static let trace = HTTPMethod("TRACE")
    package static let query = HTTPMethod("QUERY")

    /// Methods the parser lets through to routing. `CONNECT` (whose target is an authority, not
    /// a path) and methods not listed here answer 501.
    package static let implemented: Set<HTTPMethod> = [.get, .head, .post, .put, .patch, .delete, .options, .trace, .query]

    /// Whether a request with this method changes state (and so needs CSRF protection).
    package var isSafe: Bool { self == .get || self == .head || self == .options || self == .trace || self == .query }

    package var description: String { rawValue }
}
