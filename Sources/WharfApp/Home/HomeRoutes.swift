import WharfHTTP
import WharfTemplates

/// The dashboard: the hosts the user may see, with their health and counts, and below them one
/// container list across all those hosts (filter by host, state, name and label; sortable). A
/// dead host shows as such from the health checker and is not asked; a slow one is listed as not
/// answering within the page's budget, so neither delays the page. On a fresh install, admins
/// are offered to register the local engine's socket.
struct HomeRoutes {
    let pages: Pages
    let hosts: HostServices
    let containers: ContainersAcrossHosts
    let events: EventHub
    let time: TimeSource

    func register(into router: inout AppRouter) {
        router.add(.get, "/", permission: .signedIn) { request, context in
            guard let principal = context.principal else { throw HTTPError(.unauthorized, "Sign in first.") }
            let visible = try await hosts.registry.hosts(visibleTo: principal)
            let routes = HostRoutes(pages: pages, hosts: hosts, time: time)
            let offerLocal = principal.isAdmin && visible.isEmpty && hosts.localSocketExists
            var query = try ContainerQuery(request)
            if request.queryValue("sort") == nil { query.sort = "host" }
            let list = visible.isEmpty ? ContainerListJSON(containers: [], unavailable: []) : try await containers.list(for: principal, query)
            let now = time.now()
            let rows = TemplateValue.list(list.containers.map { ContainerViews.row($0, now: now, canOperate: false) })
            // What the page shows is as of now: its live part starts after the hub's position now.
            let live = "/events/stream?type=container&after=\(await events.cursor.text)"
            return try pages.render("home/index", title: "Dashboard", context: context, section: "dashboard", values: [
                "live": .text(live),
                "hosts": try await routes.hostValues(visible, counts: await containers.counts(visible)),
                "isAdmin": .bool(principal.isAdmin),
                "localSocket": offerLocal ? .text(hosts.localDockerSocket) : .null,
                "containers": rows,
                "count": .int(list.containers.count),
                "unavailable": .list((list.unavailable + list.stale).map { .object(["name": .text($0.hostName), "error": .text($0.error)]) }),
                "filters": ContainerViews.filterValues(query),
                "hostOptions": .list(visible.map { host in
                    .object(["id": .int(Int(host.id)), "name": .text(host.name), "selected": .bool(query.hosts.contains(String(host.id)) || query.hosts.contains(host.name))])
                }),
                "page": .object([
                    "containers": rows, "selectable": false, "showHost": true,
                    "sort": ContainerViews.sortLinks(query, base: "/"),
                ]),
            ])
        }
        router.api(.get, "/containers", permission: .signedIn, operation: APIOperation(
            id: "listContainersAcrossHosts", summary: "The containers of every host the caller may see", tag: "containers",
            description: "Each host's containers, kept current from its engine events (at most 2 s old while its event stream is not connected). Hosts that are down or not yet checked, or do not answer within 0.3 s, are listed under `unavailable` (or, with their previous answer, under `stale`) instead of delaying the answer.",
            query: ContainerQuery.parameters + [.init("host", .string(), "Only these hosts (id or name; repeatable).")],
            responses: [.init(200, "The containers, and the hosts that could not be asked", ContainerListJSON.schema)])
        ) { request, context in
            guard let principal = context.principal else { throw HTTPError(.unauthorized, "Sign in first.") }
            return try .json(encoding: try await containers.list(for: principal, try ContainerQuery(request)))
        }
    }
}
