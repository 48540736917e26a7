package import WharfHTTP
import WharfWire

/// Refuses state-changing requests (POST, PUT, PATCH, DELETE) that another site could have made:
/// the `Origin` (or, without it, the `Referer`) must name the same host as the `Host` header, and
/// the request must carry the CSRF token, as the `csrf` form field or the `X-CSRF-Token` header.
/// In a `multipart/form-data` body (forms with file inputs) the `csrf` field must be the first
/// part; it is read from the stream (at most 8 KiB) before any file. Never from the URL: a token
/// there ends up in history, proxy logs and `Referer`.
/// The token is the session's; before sign-in it is the one bound to the pre-session cookie.
///
/// Requests authenticated by an API token are exempt: browsers never add bearer tokens on their own.
/// A refusal is a 403 page that says what happened and what to do, and is audited
/// (`auth.csrf.denied`; for anonymous requests once per client and minute, with a count).
package struct CSRFMiddleware: HTTPMiddleware {
    package static let fieldName = "csrf"
    package static let headerName = "X-CSRF-Token"
    /// The most a form body read here may be when the route does not say.
    static let defaultFormLimit = 1 << 20

    let services: AccountServices

    package init(services: AccountServices) { self.services = services }

    package func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
        guard !request.method.isSafe, let route = context.route else { return try await next(request, context) }
        if case .token = context.principal?.credential { return try await next(request, context) }
        // Token-only routes never see a cookie, so a forged cross-site request carries no identity.
        if route.permission as? Permission == .dockerEndpoint { return try await next(request, context) }

        guard Self.isSameOrigin(request) else {
            try await deny(context, reason: "origin", message:
                "This form was sent from another site, or your browser did not say where it came from. "
                + "Wharf only accepts changes made from its own pages: open the page again here and resend it.")
        }
        let expected = context.formToken
        var request = request
        var token = request.headers[Self.headerName]
        let contentType = request.headers["Content-Type"]?.lowercased() ?? ""
        if token == nil, contentType.hasPrefix("application/x-www-form-urlencoded") {
            let body = try await request.body.collect(upTo: route.maxBodyBytes ?? Self.defaultFormLimit)
            request.body = RequestBody(bytes: body)
            token = FormDecoding.pairs(String(decoding: body, as: UTF8.self)).first { $0.name == Self.fieldName }?.value
        } else if token == nil, contentType.hasPrefix("multipart/form-data") {
            // A multipart form (with files) carries the token as its first part: read just that
            // much of the stream, then hand the handler those bytes and the rest of the stream.
            let (first, consumed) = try await Self.firstPart(of: request)
            request.body = RequestBody(source: PrefixedBodySource(prefix: consumed, rest: request.body))
            token = first
        }
        guard let token, let expected, RequestSigner.matches(token, expected) else {
            try await deny(context, reason: token == nil ? "missing token" : "wrong token", message:
                "This form has expired or was not made by Wharf for you (its security token is "
                + "\(token == nil ? "missing" : "not valid for your session")). This happens when you signed in or out "
                + "in another tab, or the page was open for a long time. Go back, reload the page, and send it again.")
        }
        return try await next(request, context)
    }

    /// The most of a multipart body read to find the token in its first part.
    static let firstPartLimit = 8 * 1024

    /// The value of the body's first part when it is the `csrf` field (nil when the first part is
    /// another field, a file, or longer than ``firstPartLimit``), and the bytes read to find out.
    /// - Throws: 400 when the body is not multipart with its declared boundary.
    static func firstPart(of request: HTTPRequest) async throws -> (token: String?, consumed: [UInt8]) {
        guard let boundary = MultipartForm.boundary(request.headers["Content-Type"] ?? "") else {
            throw HTTPError(.badRequest, "The form upload has no boundary; send it from its page.")
        }
        var consumed: [UInt8] = []
        var iterator = request.body.makeAsyncIterator()
        while true {
            switch MultipartForm.firstPart(consumed, boundary: boundary) {
            case .field(let name, let isFile, let value):
                return (name == fieldName && !isFile ? String(decoding: value, as: UTF8.self) : nil, consumed)
            case .malformed:
                throw HTTPError(.badRequest, "The form upload is malformed; send it again from its page.")
            case .incomplete:
                guard consumed.count < firstPartLimit else { return (nil, consumed) }
                guard let chunk = try await iterator.next() else {
                    throw HTTPError(.badRequest, "The form upload is malformed; send it again from its page.")
                }
                consumed += chunk
            }
        }
    }

    /// Whether `Origin` (or `Referer` when there is no `Origin`) names the request's own host.
    package static func isSameOrigin(_ request: HTTPRequest) -> Bool {
        guard let host = request.headers["Host"]?.lowercased(), !host.isEmpty else { return false }
        let source = request.headers["Origin"] ?? request.headers["Referer"]
        guard let source, let origin = authority(of: source) else { return false }
        return origin == host
    }

    /// The `host[:port]` of an absolute http(s) URL, lower-cased; nil for anything else (`null`).
    static func authority(of url: String) -> String? {
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            rest = lower.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            rest = lower.dropFirst(7)
        } else {
            return nil
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        return String(authority)
    }

    private func deny(_ context: RequestContext, reason: String, message: String) async throws -> Never {
        let path = context.route?.pattern ?? ""
        let entry = context.auditEntry(
            "auth.csrf.denied", outcome: .denied, target: path, parameters: ["reason": reason], httpStatus: .forbidden)
        // Anonymous refusals (anyone can cause them) are coalesced; a signed-in user's each get a row.
        if context.principal == nil {
            try await services.denials.record(entry)
        } else {
            try await services.audit.record(entry)
        }
        throw HTTPError(.forbidden, message)
    }
}
