package import WharfHTTP

/// An error for JSON API clients: the HTTP status, a stable machine-readable `code`
/// (`user_not_found`) that clients may branch on, and a message a person can act on. Rendered by
/// ``ErrorPages`` as `{"error":{"code":…,"message":…,"requestId":…}}`; under `/api/v1/` every other
/// error gets a code too, derived from its status (``HTTPStatus/errorCode``).
package struct APIError: Error, Sendable, CustomStringConvertible {
    package var status: HTTPStatus
    package var code: String
    /// What happened and what to do, safe to show (the same name `main`'s `PublicError` uses).
    package var publicMessage: String

    package init(_ status: HTTPStatus, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.publicMessage = message
    }

    package var description: String { "\(status.code) \(code): \(publicMessage)" }
}

extension HTTPStatus {
    /// The status's reason as an error code: `Not Found` → `not_found`, `Too Many Requests` →
    /// `too_many_requests`.
    package var errorCode: String {
        var code = ""
        for scalar in reason.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                code.unicodeScalars.append(scalar)
            } else if !code.isEmpty, !code.hasSuffix("_") {
                code += "_"
            }
        }
        return code.hasSuffix("_") ? String(code.dropLast()) : code
    }
}
