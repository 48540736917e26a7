import WharfHTTP
import WharfTemplates

/// The event pages: one host's, and one across every host the user may see. Each shows the live
/// stream (one `EventSource`, fed by the hub's shared upstream) with filters and a pause button;
/// with `since`/`until`, the past events the engine still holds, as a list.
struct EventRoutes {
    let pages: Pages
    let hub: EventHub
    let hosts: HostServices

    func register(into router: inout AppRouter) {
        router.hostPage(.get, "/events", permission: .hostView) { request, context, scope in
            let filter = try EventFilter(request)
            var window: EventPast.Window?
            var past: [EngineEventJSON] = []
            if request.queryValue("since")?.isEmpty == false || request.queryValue("until")?.isEmpty == false {
                let checked = try EventPast.Window(since: request.queryValue("since"), until: request.queryValue("until"), now: EventPast.now())
                past = try await EventPast.list(scope, filter: filter, window: checked)
                window = checked
            }
            let query = filter.queryString
            return try pages.renderHost("events/index", title: "Events", scope: scope, current: "events", context: context, values: [
                "action": .text("/hosts/\(scope.host.id)/events"),
                "filters": EventViews.filterValues(filter, window: window),
                "hostChoices": .null,
                "pastWindow": .bool(window != nil),
                "past": .list(past.map { EventViews.row($0, showHost: false) }),
                "pastCount": .int(past.count),
                "live": window?.untilText.isEmpty == false ? .null
                    : .text("/hosts/\(scope.host.id)/events/stream" + (query.isEmpty ? "" : "?" + query)),
                "showHost": false,
            ])
        }
        router.hostPage(.get, "/events/stream", permission: .hostView) { request, _, scope in
            EventStream.response(hub: hub, hosts: [scope.host], filter: try EventFilter(request), lastEventID: EventStream.cursor(request))
        }
        router.add(.get, "/events", permission: Permission.signedIn) { request, context in
            let filter = try EventFilter(request)
            let visible = try await visibleHosts(context)
            let query = filter.queryString
            return try pages.render("events/index", title: "Events", context: context, section: "events", values: [
                "host": .null,
                "nav": .null,
                "action": .text("/events"),
                "filters": EventViews.filterValues(filter, window: nil),
                "hostChoices": .list(visible.map { host in
                    .object(["value": .text(String(host.id)), "label": .text(host.name), "selected": .bool(filter.hosts.contains(String(host.id)) || filter.hosts.contains(host.name))])
                }),
                "pastWindow": false,
                "past": .list([]),
                "pastCount": .int(0),
                "live": visible.isEmpty ? .null : .text("/events/stream" + (query.isEmpty ? "" : "?" + query)),
                "showHost": true,
            ])
        }
        router.add(.get, "/events/stream", permission: Permission.signedIn) { request, context in
            let filter = try EventFilter(request)
            return EventStream.response(hub: hub, hosts: try selected(filter, visible: try await visibleHosts(context)), filter: filter, lastEventID: EventStream.cursor(request))
        }
    }

    func visibleHosts(_ context: RequestContext) async throws -> [DockerHost] {
        guard let principal = context.principal else { throw HTTPError(.unauthorized, "Sign in first.") }
        return try await hosts.registry.hosts(visibleTo: principal)
    }

    /// The hosts `filter` names among `visible` (all of them when it names none). - Throws: 404
    /// for a host that is not visible (unknown and ungranted answer the same).
    func selected(_ filter: EventFilter, visible: [DockerHost]) throws -> [DockerHost] {
        guard !filter.hosts.isEmpty else { return visible }
        return try filter.hosts.map { reference in
            guard let host = visible.first(where: { String($0.id) == reference || $0.name == reference }) else {
                throw HTTPError(.notFound, "There is no host \(reference) that you may see.")
            }
            return host
        }
    }
}
