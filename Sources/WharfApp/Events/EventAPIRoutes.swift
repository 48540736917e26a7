import WharfHTTP

/// `/api/v1/…/events`: past events as a list, and the live streams (server-sent events, the same
/// as the pages use) for programs.
struct EventAPIRoutes {
    let hub: EventHub
    let routes: EventRoutes

    struct List: Encodable {
        let events: [EngineEventJSON]
        static let schema = JSONSchema.named("EventList", .object(["events": .array(EngineEventJSON.schema)], required: ["events"]))
    }

    static let streamDescription = "Server-sent events: `engine` (an EngineEvent), `gap` (an EventGap: events that may be missing), "
        + "`status` (the stream's state per host) and `end`. Send `Last-Event-ID` to resume; without it the stream starts with "
        + "recent events. One upstream connection per host serves every client."

    func register(into router: inout AppRouter) {
        router.hostAPI(.get, "/events", permission: .hostView, operation: APIOperation(
            id: "listEvents", summary: "Past events of a host (what the engine still holds: its last 256)", tag: "events",
            description: "since and until are durations (10m: that long ago), dates or Unix times; until defaults to now. Newest first.",
            query: [
                .init("since", .string(), "From this time (default: all the engine holds)."),
                .init("until", .string(), "Up to this time (default: now)."),
            ] + EventFilter.parameters,
            responses: [.init(200, "The events, newest first", List.schema)])
        ) { request, _, scope in
            let window = try EventPast.Window(since: request.queryValue("since"), until: request.queryValue("until"), now: EventPast.now())
            return try .json(encoding: List(events: try await EventPast.list(scope, filter: try EventFilter(request), window: window)))
        }
        router.hostAPI(.get, "/events/stream", permission: .hostView, operation: APIOperation(
            id: "followEvents", summary: "A host's events, live (server-sent events)", tag: "events",
            description: Self.streamDescription, query: EventFilter.parameters + [EventStream.afterParameter],
            responses: [.init(200, "The stream", nil, contentType: "text/event-stream")])
        ) { request, _, scope in
            EventStream.response(hub: hub, hosts: [scope.host], filter: try EventFilter(request), lastEventID: EventStream.cursor(request))
        }
        let routes = self.routes
        router.api(.get, "/events/stream", permission: .signedIn, operation: APIOperation(
            id: "followAllEvents", summary: "The events of every host the caller may see, live (server-sent events)", tag: "events",
            description: Self.streamDescription,
            query: EventFilter.parameters + [EventStream.afterParameter, .init("host", .string(), "Only these hosts (id or name, repeatable).")],
            responses: [.init(200, "The stream", nil, contentType: "text/event-stream")])
        ) { request, context in
            let filter = try EventFilter(request)
            let hosts = try routes.selected(filter, visible: try await routes.visibleHosts(context))
            return EventStream.response(hub: hub, hosts: hosts, filter: filter, lastEventID: EventStream.cursor(request))
        }
    }
}
