import WharfHTTP

/// A server-sent event stream of hosts' events for one browser or API client: the replay (what
/// it missed since its `Last-Event-ID`, or the recent events for a page that opens), then live
/// items, all from the hub's shared upstreams, filtered for this client (``EventHub/attach``).
/// Once the replay is out the hub writes to the client's ``EventSink`` itself: a stream costs
/// its connection and a few small objects, no task.
enum EventStream {
    /// Where a client resumes: its `Last-Event-ID`, else the `after` parameter, which a page
    /// renders with the hub's position when it drew what it shows (an `EventSource` cannot send
    /// the header on its first connection), so the page gets what happened after, never before.
    static func cursor(_ request: HTTPRequest) -> String? {
        if let header = request.lastEventID, !header.isEmpty { return header }
        return request.queryValue("after").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The `after` parameter as the OpenAPI document describes it.
    static let afterParameter = APIOperation.Parameter(
        "after", .string(), "Resume after this position, as Last-Event-ID does (which wins when both are sent).")

    static func response(hub: EventHub, hosts: [DockerHost], filter: EventFilter, lastEventID: String?) -> HTTPResponse {
        let cursor = lastEventID.flatMap(EventCursor.init)
        return .eventSink { sink in
            try await hub.attach(hosts, filter: filter, after: cursor, recent: cursor == nil ? 100 : 0, to: sink)
        }
    }
}
