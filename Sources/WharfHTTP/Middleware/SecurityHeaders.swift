import WharfWire

/// Sets the security headers: on every HTML response a strict `Content-Security-Policy` (no
/// inline script or style, no framing), `X-Frame-Options: DENY` and `Referrer-Policy: same-origin`;
/// on every response `X-Content-Type-Options: nosniff`; over TLS, HSTS.
package struct SecurityHeaders: HTTPMiddleware {
    /// No inline script or style anywhere: only files from our own origin.
    package var contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    package init() {}

    package func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
        var response = try await next(request, context)
        response.headers.set("X-Content-Type-Options", "nosniff")
        if let type = response.headers["Content-Type"], type.lowercased().hasPrefix("text/html") {
            response.headers.set("Content-Security-Policy", contentSecurityPolicy)
            response.headers.set("X-Frame-Options", "DENY")
            response.headers.set("Referrer-Policy", "same-origin")
            response.headers.set("Cross-Origin-Opener-Policy", "same-origin")
        }
        if context.isSecure {
            response.headers.set("Strict-Transport-Security", "max-age=31536000")
        }
        return response
    }
}
