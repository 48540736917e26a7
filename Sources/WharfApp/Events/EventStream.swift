import WharfHTTP

/// A server-sent event stream of hosts' events for one browser or API client: the replay (what
/// it missed since its `Last-Event-ID`, or the recent events for a page that opens), then live
/// items, all from the hub's shared upstreams, filtered for this client (``EventHub/serve``).
/// Heartbeats come from the hub too, so a stream costs its connection, one task and one queue.
enum EventStream {
    static func response(hub: EventHub, hosts: [DockerHost], filter: EventFilter, lastEventID: String?) -> HTTPResponse {
        let cursor = lastEventID.flatMap(EventCursor.init)
        return HTTPResponse(status: .ok, headers: HTTPResponse.eventStreamHeaders, body: .probedStream(probe: Array(":\n".utf8)) { writer in
            try await hub.serve(hosts, filter: filter, after: cursor, recent: cursor == nil ? 100 : 0, to: writer)
        })
    }
}
