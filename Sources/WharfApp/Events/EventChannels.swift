import WharfHTTP
import WharfIO

/// The hub's fan-out: one upstream per host, started by its first subscriber and cancelled after
/// its last, and every item handed to every subscriber of its host. Not ``Fanout``: one
/// subscriber can follow several hosts, and a browser's stream gets each event written
/// **directly** to its ``EventSink`` — a non-blocking `send`, once per subscriber, in one pass —
/// instead of waking a task per subscriber (with a thousand followers that wake-up, not the
/// write, was most of the time: 25 µs each).
///
/// When a host's live browser streams are spread over several event loops (`--loops`), each
/// loop gets its own streams' share of the pass, run on the loop thread that owns their sockets:
/// the sends to a thousand followers then run on every core at once, where one thread's pass
/// takes 5–10 µs per follower on loopback (the kernel's work, most of it). With one loop the
/// pass runs here, leaving the loop free to serve.
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
        /// False once unsubscribed or ended (a publish pass may still hold it).
        var active = true
        /// Live, and sent to by its loop's pass (``Channel/passes``), not by the member loop.
        var onLoop = false

        init(id: Int, wants: @escaping @Sendable (HostEventItem) -> Bool, target: Target, hosts: Set<Int64>) {
            self.id = id
            self.wants = wants
            self.target = target
            self.hosts = hosts
        }
    }

    /// A live browser stream as a loop's pass sends to it: nothing in it changes, so the pass
    /// reads it on the loop thread without the actor.
    private struct LiveStream: Sendable {
        let member: Int
        let sink: EventSink
        let wants: @Sendable (HostEventItem) -> Bool
        /// Items up to this sequence number were in its replay.
        let through: UInt64
    }

    /// One loop's live browser streams of a channel.
    private struct Pass {
        let loop: EventLoop
        var streams: [LiveStream] = []
    }

    private struct Channel {
        var upstream: Task<Void, Never>?
        var members: [Member] = []
        /// The live browser streams whose sink has a loop, by that loop.
        var passes: [ObjectIdentifier: Pass] = [:]
    }

    private let source: Source
    private let bufferLimit: Int
    private var channels: [Int64: Channel] = [:]
    private var members: [Int: Member] = [:]
    private var nextID = 0

    init(bufferLimit: Int = 1024, source: @escaping Source) {
        self.source = source
        self.bufferLimit = bufferLimit
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
        // Later items are sent after these: a loop's pass for them is queued after this returns.
        guard let loop = sink.loop else { return }
        member.onLoop = true
        let stream = LiveStream(member: id, sink: sink, wants: member.wants, through: through)
        for host in member.hosts {
            channels[host]?.passes[ObjectIdentifier(loop), default: Pass(loop: loop)].streams.append(stream)
        }
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

    /// Hands `items` of `host` to its subscribers.
    func publish(_ host: Int64, _ items: [HostEventItem]) {
        guard let channel = channels[host] else { return }
        if channel.passes.count == 1, let pass = channel.passes.first?.value {
            Self.send(items, to: pass.streams)
        } else {
            for pass in channel.passes.values {
                let streams = pass.streams
                pass.loop.execute { Self.send(items, to: streams) }
            }
        }
        for item in items {
            for member in channel.members where member.active && !member.onLoop {
                if item.seq != 0, item.seq <= member.through { continue }
                guard member.wants(item) else { continue }
                deliver(item, to: member)
            }
        }
    }

    /// One loop's share of a pass (or the only loop's, on the actor). A sink that refuses (its
    /// client left, or fell too far behind) is closed, and its `onClose` unsubscribes it.
    private static func send(_ items: [HostEventItem], to streams: [LiveStream]) {
        for item in items {
            for stream in streams {
                if item.seq != 0, item.seq <= stream.through { continue }
                guard stream.wants(item) else { continue }
                stream.sink.send(item.sinkFrame)
            }
        }
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
        if member.onLoop, case .sink(let sink) = member.target, let loop = sink.loop {
            let key = ObjectIdentifier(loop)
            channels[host]?.passes[key]?.streams.removeAll { $0.member == member.id }
            if channels[host]?.passes[key]?.streams.isEmpty == true { channels[host]?.passes[key] = nil }
        }
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
                let end = { @Sendable in
                    sink.send(ServerSentEvent(event: "end", data: message))
                    sink.finish()
                }
                // After the loop's passes already queued: the end comes after their items.
                if member.onLoop, let loop = sink.loop { loop.execute(end) } else { end() }
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
