import Dispatch
import Synchronization
import WharfHTTP
import WharfIO

/// The hub's fan-out: one upstream per host, started by its first subscriber and cancelled after
/// its last, and every item handed to every subscriber of its host. Not ``Fanout``: one
/// subscriber can follow several hosts, and a browser's stream gets each event written
/// **directly** to its ``EventSink`` — a non-blocking `send`, once per subscriber, in one pass —
/// instead of waking a task per subscriber (with a thousand followers that wake-up, not the
/// write, was most of the time: 25 µs each).
///
/// A pass over a thousand followers takes 5–10 µs per follower on loopback, the kernel's work
/// most of it, so it is shared (``Pass``): the publisher starts sending at once, and the
/// `helpers` (the event loops, when there is more than one CPU) join it, each taking the next
/// few followers until none are left. No follower waits for a thread that is not running or
/// was woken on a busy CPU: whichever threads run do the work. With pinned loops
/// (`--pin-loops`), the loop pinned to the publisher's own CPU is not asked (``joining(_:on:)``).
/// The publisher returns once every send is done, so each follower gets items in order.
///
/// A browser's items are held until its replay is out (``ready(_:through:)``), then sent in
/// order after it, those already in the replay left out; one holding more than `bufferLimit`
/// items, or whose sink is too far behind, is dropped (its stream ends; the browser resumes with
/// `Last-Event-ID`). Consumers inside Wharf read a queue instead (``follow(_:)``).
actor EventChannels {
    /// What a consumer inside Wharf reads.
    enum Delivery: Sendable {
        case item(HostEventItem)
        /// Every host this subscriber followed stopped (removed from Wharf).
        case end(String)
    }

    /// Where a subscriber's items go.
    enum Target: Sendable {
        /// A browser's stream.
        case sink(EventSink)
        /// A consumer inside Wharf.
        case queue(AsyncStream<Delivery>.Continuation)
    }

    typealias Source = @Sendable (Int64, _ publish: @escaping @Sendable ([HostEventItem]) async -> Void) async throws -> Void

    /// A subscriber's state, kept by reference so the publish loop touches no dictionary and
    /// copies nothing per member.
    private final class Member {
        let id: Int
        let wants: @Sendable (HostEventItem) -> Bool
        let target: Target
        var hosts: Set<Int64>
        /// A sink's items that came before its replay was out (nil once it is).
        var held: [HostEventItem]? = []
        /// Items up to this sequence number were in the replay.
        var through: UInt64 = 0
        /// False once unsubscribed or ended.
        var active = true
        /// A live sink, sent to by the passes (``Channel/live``), not by the member loop.
        var live = false

        init(id: Int, wants: @escaping @Sendable (HostEventItem) -> Bool, target: Target, hosts: Set<Int64>) {
            self.id = id
            self.wants = wants
            self.target = target
            self.hosts = hosts
        }
    }

    /// A live browser stream as a pass sends to it: nothing in it changes, so helper threads
    /// read it without the actor.
    private struct LiveStream: Sendable {
        let member: Int
        let sink: EventSink
        let wants: @Sendable (HostEventItem) -> Bool
        /// Items up to this sequence number were in its replay.
        let through: UInt64
    }

    /// One publish's sends to a channel's live streams, shared by the publisher and the helpers
    /// that join in time: each takes the next ``chunk`` streams until none are left. The
    /// publisher then waits until the streams others took are done too.
    private final class Pass: Sendable {
        /// Streams taken at a time: 50–150 µs of sends, so a helper that joins late still finds
        /// work and one that is preempted holds back few followers.
        static let chunk = 16

        let items: [HostEventItem]
        let streams: [LiveStream]
        private let next = Atomic(0)
        private let done = Atomic(0)
        private let finished = DispatchSemaphore(value: 0)
        private let refused = Mutex<[Int]>([])

        init(_ items: [HostEventItem], _ streams: [LiveStream]) {
            self.items = items
            self.streams = streams
        }

        /// Sends to streams not yet taken, until none are left.
        func run() {
            while true {
                let start = next.wrappingAdd(Self.chunk, ordering: .relaxed).oldValue
                guard start < streams.count else { return }
                let end = min(start + Self.chunk, streams.count)
                let dropped = EventChannels.send(items, to: streams[start..<end])
                if !dropped.isEmpty { refused.withLock { $0 += dropped } }
                if done.wrappingAdd(end - start, ordering: .acquiringAndReleasing).newValue == streams.count {
                    finished.signal()
                }
            }
        }

        /// Returns once every stream was sent to (after ``run()`` by the caller, which leaves none
        /// untaken: this waits only for sends a helper is in the middle of).
        func wait() { finished.wait() }

        /// The members whose sink refused (read after ``wait()``).
        var refusedMembers: [Int] { refused.withLock { $0 } }
    }

    private struct Channel {
        var upstream: Task<Void, Never>?
        var members: [Member] = []
        /// The live browser streams, in the order they went live.
        var live: [LiveStream] = []
    }

    private let source: Source
    private let bufferLimit: Int
    private let helpers: [EventLoop]
    private var channels: [Int64: Channel] = [:]
    private var members: [Int: Member] = [:]
    private var nextID = 0

    /// - Parameter helpers: loops that join each pass over more than ``Pass/chunk`` streams.
    init(bufferLimit: Int = 1024, helpers: [EventLoop] = [], source: @escaping Source) {
        self.source = source
        self.bufferLimit = bufferLimit
        self.helpers = helpers
    }

    /// A new subscriber of `hosts` (each host's upstream starts if it is the first). A sink's
    /// items are held until ``ready(_:through:)``; a queue's flow at once, and its reader skips
    /// those up to the replay's last sequence number.
    func subscribe(_ hosts: [Int64], wants: @escaping @Sendable (HostEventItem) -> Bool, target: Target) -> Int {
        nextID += 1
        let member = Member(id: nextID, wants: wants, target: target, hosts: Set(hosts))
        if case .queue = target { member.held = nil }
        members[member.id] = member
        for host in Set(hosts) {
            channels[host, default: Channel()].members.append(member)
            if channels[host]?.upstream == nil { start(host) }
        }
        return member.id
    }

    /// The subscriber's replay is written; items up to `through` were in it. A sink's held
    /// items follow it.
    func ready(_ id: Int, through: UInt64) {
        guard let member = members[id] else { return }
        member.through = through
        guard case .sink(let sink) = member.target, let held = member.held else { return }
        member.held = nil
        for item in held where item.seq == 0 || item.seq > through {
            if !sink.send(item.sinkFrame) { return unsubscribe(id) }
        }
        // Later items are sent after these, by later passes.
        member.live = true
        let stream = LiveStream(member: id, sink: sink, wants: member.wants, through: through)
        for host in member.hosts { channels[host]?.live.append(stream) }
    }

    /// Removes the subscriber (closing its stream if still open); a host left without
    /// subscribers has its upstream cancelled. After this returns, nothing is sent to it.
    func unsubscribe(_ id: Int) {
        guard let member = members.removeValue(forKey: id) else { return }
        member.active = false
        switch member.target {
        case .sink(let sink): sink.close()
        case .queue(let queue): queue.finish()
        }
        for host in member.hosts { leave(host, member) }
    }

    /// Hands `items` of `host` to its subscribers; every live stream's sends are done (written,
    /// or queued in its sink) when this returns.
    func publish(_ host: Int64, _ items: [HostEventItem]) {
        guard let channel = channels[host] else { return }
        if !channel.live.isEmpty {
            let pass = Pass(items, channel.live)
            if channel.live.count > Pass.chunk {
                for helper in Self.joining(helpers, on: Processors.current) { helper.execute { pass.run() } }
            }
            pass.run()
            pass.wait()
            for id in pass.refusedMembers { unsubscribe(id) }
        }
        for item in items {
            for member in channel.members where member.active && !member.live {
                if item.seq != 0, item.seq <= member.through { continue }
                guard member.wants(item) else { continue }
                deliver(item, to: member)
            }
        }
    }

    /// The helpers asked to join a pass that the caller starts on CPU `cpu`: all but a loop
    /// pinned to that CPU, which could only take turns there with the caller (each preempting
    /// the other halfway through a share) while the followers of both wait. One sender per CPU.
    static func joining(_ helpers: [EventLoop], on cpu: Int?) -> [EventLoop] {
        guard let cpu else { return helpers }
        return helpers.filter { $0.cpu != cpu }
    }

    /// A share of a pass; returns the members whose sink refused (its client left, or fell too
    /// far behind: the sink is closed), to be unsubscribed.
    private static func send(_ items: [HostEventItem], to streams: ArraySlice<LiveStream>) -> [Int] {
        var refused: [Int] = []
        for stream in streams {
            for item in items {
                if item.seq != 0, item.seq <= stream.through { continue }
                guard stream.wants(item) else { continue }
                if !stream.sink.send(item.sinkFrame) {
                    refused.append(stream.member)
                    break
                }
            }
        }
        return refused
    }

    private func deliver(_ item: HostEventItem, to member: Member) {
        switch member.target {
        case .sink(let sink):
            if member.held != nil {
                if member.held!.count >= bufferLimit { return unsubscribe(member.id) }
                member.held!.append(item)
            } else if !sink.send(item.sinkFrame) {
                unsubscribe(member.id)  // gone, or too far behind
            }
        case .queue(let queue):
            switch queue.yield(.item(item)) {
            case .enqueued: break
            case .dropped, .terminated: unsubscribe(member.id)  // too far behind, or its reader is gone
            @unknown default: unsubscribe(member.id)
            }
        }
    }

    private func start(_ host: Int64) {
        let source = self.source
        channels[host]?.upstream = Task {
            var failure: String?
            do {
                try await source(host) { items in await self.publish(host, items) }
            } catch is CancellationError {
                return
            } catch {
                failure = (error as? any PublicError)?.publicMessage ?? "\(error)"
            }
            self.ended(host, failure)
        }
    }

    private func leave(_ host: Int64, _ member: Member) {
        channels[host]?.members.removeAll { $0 === member }
        if member.live { channels[host]?.live.removeAll { $0.member == member.id } }
        if channels[host]?.members.isEmpty == true, let channel = channels.removeValue(forKey: host) {
            channel.upstream?.cancel()
        }
    }

    /// `host`'s upstream returned (the host was removed) or failed for good.
    private func ended(_ host: Int64, _ failure: String?) {
        guard let channel = channels.removeValue(forKey: host) else { return }
        for member in channel.members where member.active {
            member.hosts.remove(host)
            guard member.hosts.isEmpty else { continue }
            member.active = false
            members[member.id] = nil
            let message = failure ?? "This host's event stream ended."
            switch member.target {
            case .sink(let sink):
                if let held = member.held {
                    for item in held where item.seq == 0 || item.seq > member.through { sink.send(item.sinkFrame) }
                }
                sink.send(ServerSentEvent(event: "end", data: message))
                sink.finish()
            case .queue(let queue):
                queue.yield(.end(message))
                queue.finish()
            }
        }
    }

    /// Cancels every upstream and ends every subscriber (Wharf is shutting down).
    func shutdown() async {
        let all = channels
        channels = [:]
        for member in members.values {
            member.active = false
            switch member.target {
            case .sink(let sink): sink.finish()
            case .queue(let queue): queue.finish()
            }
        }
        members = [:]
        for channel in all.values { channel.upstream?.cancel() }
        for channel in all.values { await channel.upstream?.value }
    }

    var counts: (upstreams: Int, subscribers: Int) { (channels.count, members.count) }
}
