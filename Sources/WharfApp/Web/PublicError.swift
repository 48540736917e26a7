package import WharfWire
package import WharfHTTP
import WharfSQLite

/// An error that states its own HTTP answer: a status, a stable code for programs and a message a
/// user can act on. Pages and the API render the same value (``ErrorPages``): the page as a flash
/// or an error page, the API as `{"error":{"code":…,"message":…,"requestId":…}}` with the status.
///
/// Lower layers stay ignorant of HTTP: their errors conform here, retroactively
/// (`DockerError`, `SQLiteError`'s busy and constraint cases, `HTTPError`, `HTTPParseError`).
/// Anything that does not conform is a 500 whose details go to the log only.
///
/// ```swift
/// struct QuotaExceeded: PublicError {
///     var status: HTTPStatus { .conflict }
///     var code: String { "quota_exceeded" }
///     var publicMessage: String { "This host already runs 50 containers; remove one first." }
/// }
/// ```
package protocol PublicError: Error {
    var status: HTTPStatus { get }
    /// A short snake_case word programs can switch on (`not_found`, `conflict`, `host_unreachable`).
    var code: String { get }
    /// What happened and what to do about it, safe to show (no secrets, no internals).
    var publicMessage: String { get }
    /// Extra response headers (`Retry-After`, `Allow`, `WWW-Authenticate`).
    var headers: HTTPHeaders { get }
    /// Per-field problems of a submitted form or JSON body, by field name.
    var fieldErrors: [String: String] { get }
}

extension PublicError {
    package var headers: HTTPHeaders { [:] }
    package var fieldErrors: [String: String] { [:] }
}

/// The code for a status when nothing more precise is known.
package func errorCode(for status: HTTPStatus) -> String {
    switch status.code {
    case 400: "bad_request"
    case 401: "unauthorized"
    case 403: "forbidden"
    case 404: "not_found"
    case 405: "method_not_allowed"
    case 408: "timeout"
    case 409: "conflict"
    case 411: "length_required"
    case 413: "too_large"
    case 414, 431: "request_too_large"
    case 415: "unsupported_media_type"
    case 421: "misdirected"
    case 422: "invalid"
    case 429: "rate_limited"
    case 502: "bad_gateway"
    case 503: "unavailable"
    case 504: "gateway_timeout"
    default: status.code >= 500 ? "internal" : "error"
    }
}

extension HTTPError: PublicError {
    package var code: String { errorCode(for: status) }
    package var publicMessage: String { message }
}

extension HTTPParseError: PublicError {
    package var code: String { errorCode(for: status) }
    package var publicMessage: String { description }
}

/// A form or JSON body with problems in named fields: 422, each message shown next to its field
/// on the page and under `fields` in the API's error.
package struct FieldErrors: PublicError, Sendable {
    package var fieldErrors: [String: String]
    package var status: HTTPStatus { .unprocessableContent }
    package var code: String { "invalid" }
    package var publicMessage: String {
        let names = fieldErrors.keys.sorted()
        guard let first = names.first, let message = fieldErrors[first] else { return "The request is invalid." }
        return names.count == 1 ? "\(first): \(message)" : "\(first): \(message) (and \(names.count - 1) more)"
    }

    package init(_ fieldErrors: [String: String]) { self.fieldErrors = fieldErrors }
}

extension SQLiteError: PublicError {
    package var status: HTTPStatus {
        switch extendedCode {
        case .busy, .locked: .serviceUnavailable
        case .constraint: .conflict
        default: .internalServerError
        }
    }

    package var code: String {
        switch extendedCode {
        case .busy, .locked: "busy"
        case .constraint: "conflict"
        default: "internal"
        }
    }

    package var publicMessage: String {
        switch extendedCode {
        case .busy, .locked: "The database is busy; try again in a moment."
        case .constraint: "That conflicts with something that already exists (a name in use, say); change it and try again."
        default: "Something went wrong on our side. The request id identifies it in the server log."
        }
    }

    package var headers: HTTPHeaders {
        switch extendedCode {
        case .busy, .locked: ["Retry-After": "1"]
        default: [:]
        }
    }
}
