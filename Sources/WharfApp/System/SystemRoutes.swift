import WharfHTTP
import WharfWire

/// Health and static assets.
struct SystemRoutes {
    let assets: StaticFiles

    func register(into router: inout RouterBuilder) {
        let health = Array(#"{"status":"ok","version":"\#(WharfVersion.current)"}"#.utf8)
        router.add(.get, "/healthz", permission: Permission.anonymous) { _, _ in
            var response = HTTPResponse.json(health)
            response.headers.set("Cache-Control", "no-store")
            return response
        }
        router.add(.get, "/static/*path", permission: Permission.anonymous, maxBodyBytes: 0, assets.handler())
        router.add(.get, "/favicon.ico", permission: Permission.anonymous) { _, _ in
            // The target's versioned URL changes with the icon, so the redirect is cached for a day, not forever.
            var response = HTTPResponse.redirect(to: assets.url(for: "img/wharf.svg"), status: .movedPermanently)
            response.headers.set("Cache-Control", "max-age=86400")
            return response
        }
    }
}
