import WharfWire
package import WharfHTTP
import WharfIO

private enum ForwardedClientKey: ContextKey { typealias Value = String }

/// The first application middleware: refuses requests for a host Wharf does not answer for
/// (421, DNS rebinding), and settles where the request came from: the client address a trusted
/// proxy forwarded, and whether the user's connection is HTTPS (a trusted proxy said so, or the
/// public URL is `https`), which makes cookies `Secure` with the `__Host-` prefix and sends HSTS.
///
/// A request without `Host` (HTTP/1.0; HTTP/1.1 requires it and the parser refuses one without)
/// is allowed: browsers always send it, and rebinding needs a browser.
package struct RequestOrigin: HTTPMiddleware {
    let allowedHosts: AllowedHosts
    let proxies: TrustedProxies
    let publicURL: PublicURL?

    package init(allowedHosts: AllowedHosts, proxies: TrustedProxies, publicURL: PublicURL?) {
        self.allowedHosts = allowedHosts
        self.proxies = proxies
        self.publicURL = publicURL
    }

    package func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
        if let host = request.headers["Host"], !allowedHosts.allows(host) {
            // Answered here, in plain text: no page, no cookie, nothing for another site's script.
            var response = HTTPResponse.text(
                "This Wharf does not answer for that host name. Open it at its own address"
                    + (publicURL.map { " (\($0.origin))" } ?? "") + ", or have an operator add the name with --public-url.\n",
                status: .misdirectedRequest)
            response.headers.set("X-Content-Type-Options", "nosniff")
            response.headers.set("Cache-Control", "no-store")
            return response
        }
        var context = context
        if !proxies.isEmpty, let peer = context.remoteAddress {
            let origin = proxies.resolve(peer: peer.host, headers: request.headers)
            if origin.client != peer.host { context[ForwardedClientKey.self] = origin.client }
            if origin.https == true { context.isSecure = true }
        }
        if publicURL?.isHTTPS == true { context.isSecure = true }
        return try await next(request, context)
    }
}

extension RequestContext {
    /// The client's address: the one a trusted proxy forwarded, else the peer's ("local" in process).
    package var clientAddress: String {
        self[ForwardedClientKey.self] ?? remoteAddress?.host ?? "local"
    }
}
