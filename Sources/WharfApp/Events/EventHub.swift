import WharfDocker
import WharfHTTP

/// Every host's engine events, through **one** upstream `GET /events` per host, however many
/// browsers and Wharf's own consumers watch it. The upstream starts with the first subscriber of
/// a host and stops when the last leaves (``Fanout``); it reconnects after an engine restart or a
/// network cut, resuming with `since` so no event is lost or repeated, and marks a gap where the
/// engine could not replay (``EventContinuity``). Recent events are kept (``EventHistory``) for
/// clients that resume with `Last-Event-ID` and pages that open.
///
/// Subscribing, for Wharf's own consumers (the dashboard's live counts and container states):
///
/// ```swift
/// for await item in hub.follow(hosts) {          // replay of recent events, then live ones
///     if let event = item.event, event.type == "container" { counts.apply(event) }
/// }                                              // cancel the task to leave
/// ```
package struct EventHub: Sendable {
    /// How the upstream retries: after 0.5 s, doubling to 15 s.
    package struct Backoff: Sendable {
        package var first: Duration = .milliseconds(500)
        package var limit: Duration = .seconds(15)
        /// How often a live stream checks the host's health (a cut that sends no reset).
        package var watchdog: Duration = .seconds(5)
        package init() {}
    }

    let fanout: Fanout<Int64, HostEventItem>
    let history: EventHistory
    let hosts: HostServices

    package init(hosts: HostServices, backoff: Backoff = Backoff(), epoch: Int64 = AuditEntry.now()) {
        let history = EventHistory(epoch: epoch)
        self.history = history
        self.hosts = hosts
        fanout = Fanout(bufferLimit: 1024) { hostID, publish in
            try await EventUpstream(hostID: hostID, hosts: hosts, history: history, backoff: backoff).run(publish)
        }
    }

    /// A subscription to `hosts`' items: what happened after `cursor` (or the last `recent` of
    /// each host) first, then live items, per host in order.
    package struct Subscription: Sendable {
        package let replay: [HostEventItem]
        package let streams: [(hostID: Int64, id: Int, items: AsyncStream<Fanout<Int64, HostEventItem>.Event>)]
        /// Live items with a sequence number at or below this were in the replay.
        package let replayedThrough: UInt64
        let fanout: Fanout<Int64, HostEventItem>

        /// Leaves (also done when the consuming task is cancelled).
        package func cancel() async {
            for stream in streams { await fanout.unsubscribe(stream.hostID, id: stream.id) }
        }
    }

    package func subscribe(_ hosts: [DockerHost], after cursor: EventCursor? = nil, recent: Int = 100) async -> Subscription {
        var streams: [(hostID: Int64, id: Int, items: AsyncStream<Fanout<Int64, HostEventItem>.Event>)] = []
        for host in hosts {
            let (id, items) = await fanout.subscribe(host.id)
            streams.append((host.id, id, items))
        }
        // Subscribed first, then the replay: an item recorded meanwhile is in both, and the
        // consumer drops the live copy by its sequence number.
        let replay = await history.replay(hosts, after: cursor, recent: recent)
        return Subscription(replay: replay, streams: streams, replayedThrough: replay.map(\.seq).max() ?? 0, fanout: fanout)
    }

    /// `hosts`' items as one sequence (replay, then live), for consumers inside Wharf. Ends
    /// when the consuming task is cancelled.
    package func follow(_ hosts: [DockerHost], after cursor: EventCursor? = nil, recent: Int = 0) -> AsyncStream<HostEventItem> {
        let (stream, continuation) = AsyncStream.makeStream(of: HostEventItem.self, bufferingPolicy: .bufferingNewest(4096))
        let task = Task {
            let subscription = await subscribe(hosts, after: cursor, recent: recent)
            for item in subscription.replay { continuation.yield(item) }
            await withTaskGroup(of: Void.self) { group in
                for stream in subscription.streams {
                    group.addTask {
                        for await event in stream.items {
                            guard case .element(let item) = event else { break }
                            if item.seq == 0 || item.seq > subscription.replayedThrough { continuation.yield(item) }
                        }
                    }
                }
            }
            await subscription.cancel()
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Closes every upstream and ends every subscription (Wharf is shutting down).
    package func shutdown() async { await fanout.shutdown() }

    /// How many hosts have an upstream open, and subscribers in all (for tests and benchmarks).
    package var counts: (upstreams: Int, subscribers: Int) {
        get async {
            let counts = await fanout.counts
            return (counts.sources, counts.subscribers)
        }
    }

    /// The hub's current position (the newest sequence number handed out).
    package var cursor: EventCursor { get async { await history.cursor } }
}
