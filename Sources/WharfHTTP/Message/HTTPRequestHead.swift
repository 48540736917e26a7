package import WharfWire

/// How the length of a request body is determined (RFC 9112 §6.3).
package enum BodyFraming: Sendable, Equatable {
    case none
    case length(Int)
    case chunked
}

/// The parsed request line and header fields of one request.
package struct HTTPRequestHead: Sendable {
    package var method: HTTPMethod
    /// The request-target exactly as sent.
    package var target: String
    /// The path part of the target, still percent-encoded.
    package var path: String
    /// The query without the `?`, still percent-encoded; nil when there is none.
    package var query: String?
    /// The minor version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    package var minorVersion: Int
    package var headers: HTTPHeaders
    package var framing: BodyFraming
    /// Whether the connection may serve another request after this one (RFC 9112 §9.3).
    package var keepAlive: Bool
    /// Whether the client waits for `100 Continue` before sending the body.
    package var expectsContinue: Bool

    package init(
        method: HTTPMethod, target: String, minorVersion: Int = 1, headers: HTTPHeaders = [:],
        framing: BodyFraming = .none, keepAlive: Bool = true, expectsContinue: Bool = false
    ) {
        self.method = method
        self.target = target
        if let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = String(target[..<mark])
            // After the `?` byte, not the `?` Character (which a combining mark would extend).
            query = String(target[target.utf8.index(after: mark)...])
        } else {
            path = target
            query = nil
        }
        self.minorVersion = minorVersion
        self.headers = headers
        self.framing = framing
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
    }
}
