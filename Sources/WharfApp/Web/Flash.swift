import WharfWire
package import WharfHTTP
import WharfTLS

/// A one-time message for the next page: "Container web-1 started", or the error a page action
/// met. Pages show it above their content; the API never uses it (errors are its answer).
package enum Flash: Sendable, Equatable {
    case notice(String)
    case error(String)

    var kind: String {
        switch self {
        case .notice: "ok"
        case .error: "error"
        }
    }

    var text: String {
        switch self {
        case .notice(let text), .error(let text): text
        }
    }
}

/// Carries a ``Flash`` across a redirect in a short-lived cookie signed with the server's key
/// (`wharf_flash`, 60 s, HttpOnly), so another site cannot make a Wharf page say something.
package struct FlashSigner: Sendable {
    package static let cookie = "wharf_flash"
    /// Messages longer than this are cut (a cookie holds about 4 KiB).
    static let maxBytes = 1024

    let signer: RequestSigner

    package init(signer: RequestSigner) { self.signer = signer }

    /// A `303` to `location` that shows `flash` there.
    package func redirect(to location: String, _ flash: Flash, context: RequestContext) -> HTTPResponse {
        var response = HTTPResponse.redirect(to: location)
        let text = flash.text.utf8.count > Self.maxBytes ? String(flash.text.prefix(Self.maxBytes / 4)) + "…" : flash.text
        let value = signer.sign(Base64URL.encode(Array((flash.kind + ":" + text).utf8)), purpose: "flash")
        response.headers.add(
            "Set-Cookie", Cookies.setCookie(Cookies.name(Self.cookie, secure: context.isSecure), value, secure: context.isSecure, maxAge: 60))
        return response
    }

    /// A `303` back to the page the request came from (its same-origin `Referer`), or to `fallback`.
    package func redirectBack(_ request: HTTPRequest, fallback: String, _ flash: Flash, context: RequestContext) -> HTTPResponse {
        redirect(to: Self.referringPath(request) ?? fallback, flash, context: context)
    }

    /// The path and query of a same-origin `Referer`, nil for another origin or none.
    static func referringPath(_ request: HTTPRequest) -> String? {
        guard let referer = request.headers["Referer"], let host = request.headers["Host"]?.lowercased(),
              CSRFMiddleware.authority(of: referer) == host else { return nil }
        let afterScheme = referer.drop { $0 != ":" }.dropFirst(3)
        guard let slash = afterScheme.firstIndex(of: "/") else { return "/" }
        let path = afterScheme[slash...].prefix { $0 != "#" }
        return LocalPath.validated(String(path))
    }

    /// The flash a request carries, nil when none or forged.
    func read(_ request: HTTPRequest, secure: Bool) -> Flash? {
        guard let value = Cookies.value(Cookies.name(Self.cookie, secure: secure), in: request),
              let payload = signer.verify(value, purpose: "flash"), let bytes = Base64URL.decode(payload) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let message = String(text[text.index(after: colon)...])
        return text[..<colon] == "error" ? .error(message) : .notice(message)
    }
}

private enum FlashKey: ContextKey { typealias Value = Flash }

extension RequestContext {
    /// The message the previous action left for this page (see ``FlashSigner``).
    package var flash: Flash? {
        get { self[FlashKey.self] }
        set { self[FlashKey.self] = newValue }
    }
}

/// Puts the request's flash into the context, and deletes the cookie once a page has shown it
/// (a successful HTML answer; a redirect passes it on).
package struct FlashMiddleware: HTTPMiddleware {
    let signer: FlashSigner

    package init(signer: FlashSigner) { self.signer = signer }

    package func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
        guard let flash = signer.read(request, secure: context.isSecure) else { return try await next(request, context) }
        var context = context
        context.flash = flash
        var response = try await next(request, context)
        if response.status.code == 200, response.headers["Content-Type"]?.hasPrefix("text/html") == true {
            response.headers.add("Set-Cookie", Cookies.deleteCookie(Cookies.name(FlashSigner.cookie, secure: context.isSecure), secure: context.isSecure))
        }
        return response
    }
}
