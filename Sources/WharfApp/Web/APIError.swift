package import WharfHTTP

/// An error for API clients with a code of its own (`user_not_found`) that clients may branch on,
/// beside its status and a message a person can act on. ``ErrorPages`` renders it like every
/// ``PublicError``: `{"error":{"code":…,"message":…,"requestId":…}}`.
package struct APIError: PublicError, Sendable, CustomStringConvertible {
    package var status: HTTPStatus
    package var code: String
    package var publicMessage: String

    package init(_ status: HTTPStatus, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.publicMessage = message
    }

    package var description: String { "\(status.code) \(code): \(publicMessage)" }
}
