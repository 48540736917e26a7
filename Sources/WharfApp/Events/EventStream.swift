import WharfHTTP

/// A server-sent event stream of hosts' events for one browser or API client: the replay (what
/// it missed since its `Last-Event-ID`, or the recent events for a page that opens), then live
/// items, all from the hub's shared upstreams, filtered for this client. Each event goes out as
/// the hub encoded it (once for every client). A client too slow to keep up is dropped and
/// resumes with `Last-Event-ID`.
enum EventStream {
    static func response(hub: EventHub, hosts: [DockerHost], filter: EventFilter, lastEventID: String?) -> HTTPResponse {
        let cursor = lastEventID.flatMap(EventCursor.init)
        return .eventStream { stream in
            let subscription = await hub.subscribe(hosts, after: cursor, recent: cursor == nil ? 100 : 0)
            defer { Task { await subscription.cancel() } }
            @Sendable func wanted(_ item: HostEventItem) -> Bool {
                guard let event = item.event else { return true }
                return filter.isEmpty || filter.matches(event)
            }
            for item in subscription.replay where wanted(item) { try await stream.send(encoded: item.frame) }
            let through = subscription.replayedThrough
            @Sendable func pump(_ items: AsyncStream<Fanout<Int64, HostEventItem>.Event>) async throws {
                for await event in items {
                    switch event {
                    case .element(let item):
                        if item.seq != 0, item.seq <= through { continue }
                        if wanted(item) { try await stream.send(encoded: item.frame) }
                    case .end(let failure):
                        try await stream.send(ServerSentEvent(event: "end", data: failure ?? "This host's event stream ended."))
                        return
                    }
                }
            }
            if subscription.streams.count == 1 {
                try await pump(subscription.streams[0].items)
            } else {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for entry in subscription.streams { group.addTask { try await pump(entry.items) } }
                    try await group.waitForAll()
                }
            }
        }
    }
}
