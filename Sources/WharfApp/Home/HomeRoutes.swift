import WharfHTTP
import WharfTemplates

/// The dashboard: the hosts the user may see, with their health; on a fresh install, admins are
/// offered to register the local engine's socket.
struct HomeRoutes {
    let pages: Pages
    let hosts: HostServices
    let time: TimeSource

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/", permission: Permission.signedIn) { _, context in
            guard let principal = context.principal else { throw HTTPError(.unauthorized, "Sign in first.") }
            let visible = try await hosts.registry.hosts(visibleTo: principal)
            let routes = HostRoutes(pages: pages, hosts: hosts, time: time)
            let offerLocal = principal.isAdmin && visible.isEmpty && hosts.localSocketExists
            return try pages.render("home/index", title: "Dashboard", context: context, section: "dashboard", values: [
                "hosts": try await routes.hostValues(visible),
                "isAdmin": .bool(principal.isAdmin),
                "localSocket": offerLocal ? .text(hosts.localDockerSocket) : .null,
            ])
        }
    }
}
