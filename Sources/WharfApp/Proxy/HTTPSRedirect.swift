package import WharfHTTP
import WharfIO
import WharfWire

/// The plain listener beside HTTPS (`--http-redirect`): every request is answered `308 Permanent
/// Redirect` to the same path on HTTPS, which keeps the method and body (a 301 may turn a POST
/// into a GET). Nothing else is served there: no page, no cookie, no session.
///
/// The target is the public URL when there is one; otherwise the host the request named, on the
/// HTTPS port. A host Wharf does not answer for (``AllowedHosts``) gets 421, as on HTTPS, so the
/// listener never sends a browser to a name an attacker chose.
package struct HTTPSRedirect: Sendable {
    let allowedHosts: AllowedHosts
    let publicURL: PublicURL?
    /// The HTTPS port (the first HTTPS listen address's, once bound): left out of the URL when it is 443.
    let httpsPort: @Sendable () -> UInt16

    package init(allowedHosts: AllowedHosts, publicURL: PublicURL?, httpsPort: @escaping @Sendable () -> UInt16) {
        self.allowedHosts = allowedHosts
        self.publicURL = publicURL
        self.httpsPort = httpsPort
    }

    /// A responder for the plain listener's server: no routes, every request redirected.
    package func responder() throws -> HTTPResponder {
        let answer: HTTPHandler = { request, _ in self.answer(request.head) }
        return HTTPResponder(router: try RouterBuilder().build(), middleware: [], notFound: answer, methodNotAllowed: answer)
    }

    /// The answer to one request on the plain listener.
    func answer(_ head: HTTPRequestHead) -> HTTPResponse {
        let target = head.path.hasPrefix("/") ? head.path + (head.query.map { "?" + $0 } ?? "") : "/"
        let origin: String
        if let publicURL {
            origin = publicURL.origin
        } else {
            guard let host = head.headers["Host"], allowedHosts.allows(host), let name = AllowedHosts.hostName(host) else {
                var refused = HTTPResponse.text(
                    "This server does not answer for that host name; use the address the administrator gave you.\n",
                    status: .misdirectedRequest)
                refused.headers.set("X-Content-Type-Options", "nosniff")
                return refused
            }
            let shown = name.contains(":") ? "[\(name)]" : name
            let port = httpsPort()
            origin = port == 443 ? "https://\(shown)" : "https://\(shown):\(port)"
        }
        var response = HTTPResponse.text("This panel is served over HTTPS: \(origin)\(target)\n", status: HTTPStatus(code: 308))
        response.headers.set("Location", origin + target)
        response.headers.set("X-Content-Type-Options", "nosniff")
        return response
    }
}
