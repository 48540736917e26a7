/// An HTTP status code with its reason phrase.
package struct HTTPStatus: Sendable, Hashable, CustomStringConvertible {
    package let code: Int
    package let reason: String

    package init(_ code: Int, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The status for a numeric code, with the standard reason phrase when known.
    package init(code: Int) {
        self.init(code, HTTPStatus.reasons[code] ?? "Status \(code)")
    }

    package var description: String { "\(code) \(reason)" }

    /// Whether the response to this status never has a body (1xx, 204, 304; RFC 9110 §6.4.1).
    package var forbidsBody: Bool { (100..<200).contains(code) || code == 204 || code == 304 }

    package static let `continue` = HTTPStatus(100, "Continue")
    package static let switchingProtocols = HTTPStatus(101, "Switching Protocols")
    package static let ok = HTTPStatus(200, "OK")
    package static let created = HTTPStatus(201, "Created")
    package static let accepted = HTTPStatus(202, "Accepted")
    package static let noContent = HTTPStatus(204, "No Content")
    package static let movedPermanently = HTTPStatus(301, "Moved Permanently")
    package static let found = HTTPStatus(302, "Found")
    package static let seeOther = HTTPStatus(303, "See Other")
    package static let notModified = HTTPStatus(304, "Not Modified")
    package static let badRequest = HTTPStatus(400, "Bad Request")
    package static let unauthorized = HTTPStatus(401, "Unauthorized")
    package static let forbidden = HTTPStatus(403, "Forbidden")
    package static let notFound = HTTPStatus(404, "Not Found")
    package static let methodNotAllowed = HTTPStatus(405, "Method Not Allowed")
    package static let requestTimeout = HTTPStatus(408, "Request Timeout")
    package static let conflict = HTTPStatus(409, "Conflict")
    package static let lengthRequired = HTTPStatus(411, "Length Required")
    package static let contentTooLarge = HTTPStatus(413, "Content Too Large")
    package static let uriTooLong = HTTPStatus(414, "URI Too Long")
    package static let unsupportedMediaType = HTTPStatus(415, "Unsupported Media Type")
    package static let expectationFailed = HTTPStatus(417, "Expectation Failed")
    /// The request names a host this server does not answer for (RFC 9110 §15.5.20).
    package static let misdirectedRequest = HTTPStatus(421, "Misdirected Request")
    package static let unprocessableContent = HTTPStatus(422, "Unprocessable Content")
    package static let tooManyRequests = HTTPStatus(429, "Too Many Requests")
    package static let headerFieldsTooLarge = HTTPStatus(431, "Request Header Fields Too Large")
    package static let internalServerError = HTTPStatus(500, "Internal Server Error")
    package static let notImplemented = HTTPStatus(501, "Not Implemented")
    package static let badGateway = HTTPStatus(502, "Bad Gateway")
    package static let serviceUnavailable = HTTPStatus(503, "Service Unavailable")
    package static let gatewayTimeout = HTTPStatus(504, "Gateway Timeout")
    package static let httpVersionNotSupported = HTTPStatus(505, "HTTP Version Not Supported")

    private static let reasons: [Int: String] = Dictionary(
        uniqueKeysWithValues: [
            HTTPStatus.continue, .ok, .created, .accepted, .noContent, .movedPermanently, .found, .seeOther,
            .notModified, .badRequest, .unauthorized, .forbidden, .notFound, .methodNotAllowed, .requestTimeout,
            .conflict, .lengthRequired, .contentTooLarge, .uriTooLong, .unsupportedMediaType, .expectationFailed,
            .misdirectedRequest, .unprocessableContent, .tooManyRequests, .headerFieldsTooLarge, .internalServerError, .notImplemented,
            .badGateway, .serviceUnavailable, .gatewayTimeout, .httpVersionNotSupported,
            .switchingProtocols, HTTPStatus(206, "Partial Content"),
            HTTPStatus(307, "Temporary Redirect"), HTTPStatus(308, "Permanent Redirect"),
            HTTPStatus(410, "Gone"), HTTPStatus(412, "Precondition Failed"),
        ].map { ($0.code, $0.reason) })
}
