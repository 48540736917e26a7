import WharfHTTP

/// The hub's fan-out: one upstream per host, started by its first subscriber and cancelled after
/// its last, and every item handed to every subscriber of its host. Not ``Fanout``: one
/// subscriber can follow several hosts, and a browser's stream gets each event written
/// **directly** to its ``EventSink`` — a non-blocking `send` from this actor, once per
/// subscriber, in one pass — instead of waking a task per subscriber (with a thousand followers
/// that wake-up, not the write, was most of the time: 25 µs each).
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

        init(id: Int, wants: @escaping @Sendable (HostEventItem) -> Bool, target: Target, hosts: Set<Int64>) {
            self.id = id
            self.wants = wants
            self.target = target
            self.hosts = hosts
        }
    }

    private struct Channel {
        var upstream: Task<Void, Never>?
        var members: [Member] = []
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
        for item in items {
            for member in channel.members where member.active {
                if item.seq != 0, item.seq <= member.through { continue }
                guard member.wants(item) else { continue }
                deliver(item, to: member)
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
