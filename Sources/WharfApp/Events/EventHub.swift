import WharfDocker
import WharfHTTP
package import WharfIO

/// Every host's engine events, through **one** upstream `GET /events` per host, however many
/// browsers and Wharf's own consumers watch it. The upstream starts with the first subscriber of
/// a host and stops when the last leaves (``EventChannels``); it reconnects after an engine
/// restart or a network cut, resuming with `since` so no event is lost or repeated, and marks a
/// gap where the engine could not replay (``EventContinuity``). Recent events are kept
/// (``EventHistory``) for clients that resume with `Last-Event-ID` and pages that open.
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

    let channels: EventChannels
    let history: EventHistory

    /// - Parameter loops: the server's event loops, which join the passes over a host's
    ///   followers (``EventChannels``) when the process may use more than one CPU.
    package init(hosts: HostServices, loops: [EventLoop] = [], backoff: Backoff = Backoff(), epoch: Int64 = AuditEntry.now()) {
        let history = EventHistory(epoch: epoch)
        self.history = history
        channels = EventChannels(helpers: Processors.available > 1 ? loops : []) { hostID, publish in
            try await EventUpstream(hostID: hostID, hosts: hosts, history: history, backoff: backoff).run(publish)
        }
    }

    /// Attaches a browser's stream to `hosts`' items: what it missed since `cursor` (or the last
    /// `recent` of each host) is written first, then live items as `filter` selects them are
    /// sent to `sink` by the fan-out itself, until the client leaves.
    func attach(_ hosts: [DockerHost], filter: EventFilter, after cursor: EventCursor?, recent: Int, to sink: EventSink) async throws {
        let matcher = filter.matcher
        let wants: @Sendable (HostEventItem) -> Bool = { item in
            guard let event = item.event else { return true }
            return matcher.matches(event)
        }
        let channels = self.channels
        let id = await channels.subscribe(hosts.map(\.id), wants: wants, target: .sink(sink))
        sink.onClose { Task { await channels.unsubscribe(id) } }
        // Subscribed first, then the replay: an item recorded meanwhile is in both, and the
        // held copy is left out by its sequence number.
        let replay = await history.replay(hosts, after: cursor, recent: recent).filter(wants)
        if !replay.isEmpty { try await sink.write(replay.flatMap(\.frame)) }
        await channels.ready(id, through: replay.map(\.seq).max() ?? 0)
    }

    /// `hosts`' items as one sequence (replay, then live), for consumers inside Wharf. Ends
    /// when the consuming task is cancelled.
    package func follow(_ hosts: [DockerHost], after cursor: EventCursor? = nil, recent: Int = 0) -> AsyncStream<HostEventItem> {
        let (stream, continuation) = AsyncStream.makeStream(of: HostEventItem.self, bufferingPolicy: .bufferingNewest(4096))
        let task = Task {
            let (deliveries, queue) = AsyncStream.makeStream(of: EventChannels.Delivery.self, bufferingPolicy: .bufferingOldest(1024))
            let id = await channels.subscribe(hosts.map(\.id), wants: { _ in true }, target: .queue(queue))
            let replay = await history.replay(hosts, after: cursor, recent: recent)
            for item in replay { continuation.yield(item) }
            let through = replay.map(\.seq).max() ?? 0
            await channels.ready(id, through: through)
            for await delivery in deliveries {
                if case .item(let item) = delivery, item.seq == 0 || item.seq > through { continuation.yield(item) }
            }
            await channels.unsubscribe(id)
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Closes every upstream and ends every subscription (Wharf is shutting down).
    package func shutdown() async { await channels.shutdown() }

    /// How many hosts have an upstream open, and subscribers in all (for tests and benchmarks).
    package var counts: (upstreams: Int, subscribers: Int) {
        get async { await channels.counts }
    }

    /// The hub's current position (the newest sequence number handed out).
    package var cursor: EventCursor { get async { await history.cursor } }
}
