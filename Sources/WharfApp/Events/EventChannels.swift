import WharfHTTP

/// The hub's fan-out: one upstream per host, started by its first subscriber and cancelled after
/// its last, and every item handed to every subscriber of its host. Not ``Fanout``: a browser's
/// stream here gets each event written **directly** — a non-blocking `send` from this actor,
/// once per subscriber, in one pass — instead of waking a task per subscriber (with a thousand
/// followers that wake-up, not the write, was most of the time: 25 µs each); and one subscriber
/// can follow several hosts through one queue.
///
/// A subscriber's queue takes over whenever the direct write cannot be used, and keeps order:
/// while anything is queued (its replay at first, an item a full socket refused, the rest of a
/// partial write), items are queued behind it, and the subscriber's task writes them, telling
/// ``consumed(_:)`` after each; when its queue is empty again, direct writes resume. A subscriber
/// `bufferLimit` items behind is dropped (its stream ends; the browser resumes with
/// `Last-Event-ID`).
actor EventChannels {
    enum Delivery: Sendable {
        case item(HostEventItem)
        /// Write what a partial direct write left.
        case flush
        /// A comment line that keeps proxies and browsers from closing an idle stream.
        case heartbeat
        /// Every host this subscriber followed stopped (removed from Wharf).
        case end(String)
    }

    /// One follower: what it wants, where direct writes go (nil for consumers inside Wharf), and
    /// its queue.
    struct Subscriber: Sendable {
        let wants: @Sendable (HostEventItem) -> Bool
        let writer: (any ResponseBodyWriter)?
        let queue: AsyncStream<Delivery>.Continuation
    }

    typealias Source = @Sendable (Int64, _ publish: @escaping @Sendable ([HostEventItem]) async -> Void) async throws -> Void

    /// A subscriber's state, kept by reference so the publish loop touches no dictionary and
    /// copies nothing per member.
    private final class Member {
        let id: Int
        let subscriber: Subscriber
        var hosts: Set<Int64>
        /// Deliveries queued and not yet written; 1 until the replay is out (``ready(_:through:)``).
        var queued = 1
        /// Items up to this sequence number were in the replay.
        var through: UInt64 = 0
        /// False once unsubscribed or ended (a publish pass may still hold it).
        var active = true

        init(id: Int, subscriber: Subscriber, hosts: Set<Int64>) {
            self.id = id
            self.subscriber = subscriber
            self.hosts = hosts
        }
    }

    private struct Channel {
        var upstream: Task<Void, Never>?
        var heartbeat: Task<Void, Never>?
        var members: [Member] = []
    }

    static let heartbeatFrame = Array(": heartbeat\n\n".utf8)

    private let source: Source
    private let bufferLimit: Int
    private let heartbeatInterval: Duration
    private var channels: [Int64: Channel] = [:]
    private var members: [Int: Member] = [:]
    private var nextID = 0

    init(bufferLimit: Int = 1024, heartbeat: Duration = .seconds(15), source: @escaping Source) {
        self.source = source
        self.bufferLimit = bufferLimit
        heartbeatInterval = heartbeat
    }

    /// A new subscriber of `hosts` (each host's upstream starts if it is the first); its
    /// deliveries are queued until ``ready(_:through:)``.
    func subscribe(_ hosts: [Int64], wants: @escaping @Sendable (HostEventItem) -> Bool, writer: (any ResponseBodyWriter)?)
        -> (id: Int, deliveries: AsyncStream<Delivery>)
    {
        nextID += 1
        let id = nextID
        let (stream, queue) = AsyncStream.makeStream(of: Delivery.self, bufferingPolicy: .bufferingOldest(bufferLimit))
        let member = Member(id: id, subscriber: Subscriber(wants: wants, writer: writer, queue: queue), hosts: Set(hosts))
        members[id] = member
        for host in Set(hosts) {
            channels[host, default: Channel()].members.append(member)
            if channels[host]?.upstream == nil { start(host) }
        }
        return (id, stream)
    }

    /// The subscriber's replay is written; items up to `through` were in it.
    func ready(_ id: Int, through: UInt64) {
        members[id]?.through = through
        consumed(id)
    }

    /// The subscriber's task wrote one queued delivery.
    func consumed(_ id: Int) {
        if let member = members[id], member.queued > 0 { member.queued -= 1 }
    }

    /// Removes the subscriber; a host left without subscribers has its upstream cancelled. After
    /// this returns, nothing is written to the subscriber's writer any more.
    func unsubscribe(_ id: Int) {
        guard let member = members.removeValue(forKey: id) else { return }
        member.active = false
        member.subscriber.queue.finish()
        for host in member.hosts { leave(host, member) }
    }

    /// Hands `items` of `host` to its subscribers: written directly where possible, queued
    /// otherwise.
    func publish(_ host: Int64, _ items: [HostEventItem]) {
        guard let channel = channels[host] else { return }
        for item in items {
            for member in channel.members where member.active {
                if item.seq != 0, item.seq <= member.through { continue }
                guard member.subscriber.wants(item) else { continue }
                deliver(member, .item(item), frame: item.frame)
            }
        }
    }

    /// Consumers inside Wharf (no writer) get no heartbeats.
    private func heartbeat(_ host: Int64) {
        for member in channels[host]?.members ?? [] where member.active && member.subscriber.writer != nil {
            deliver(member, .heartbeat, frame: Self.heartbeatFrame)
        }
    }

    private func deliver(_ member: Member, _ delivery: Delivery, frame: [UInt8]) {
        var queued = delivery
        if member.queued == 0, let writer = member.subscriber.writer {
            switch writer.writeNow(frame) {
            case .written: return
            case .partial: queued = .flush
            case .refused: break
            }
        }
        member.queued += 1
        switch member.subscriber.queue.yield(queued) {
        case .enqueued: break
        case .dropped, .terminated: unsubscribe(member.id)  // too far behind, or its reader is gone
        @unknown default: unsubscribe(member.id)
        }
    }

    private func start(_ host: Int64) {
        let source = self.source
        let interval = heartbeatInterval
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
        channels[host]?.heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                self.heartbeat(host)
            }
        }
    }

    private func leave(_ host: Int64, _ member: Member) {
        channels[host]?.members.removeAll { $0 === member }
        if channels[host]?.members.isEmpty == true, let channel = channels.removeValue(forKey: host) {
            channel.upstream?.cancel()
            channel.heartbeat?.cancel()
        }
    }

    /// `host`'s upstream returned (the host was removed) or failed for good.
    private func ended(_ host: Int64, _ failure: String?) {
        guard let channel = channels.removeValue(forKey: host) else { return }
        channel.heartbeat?.cancel()
        for member in channel.members where member.active {
            member.hosts.remove(host)
            if member.hosts.isEmpty {
                member.active = false
                member.subscriber.queue.yield(.end(failure ?? "This host's event stream ended."))
                member.subscriber.queue.finish()
                members[member.id] = nil
            }
        }
    }

    /// Cancels every upstream and ends every subscriber (Wharf is shutting down).
    func shutdown() async {
        let all = channels
        channels = [:]
        for member in members.values {
            member.active = false
            member.subscriber.queue.finish()
        }
        members = [:]
        for channel in all.values {
            channel.upstream?.cancel()
            channel.heartbeat?.cancel()
        }
        for channel in all.values {
            await channel.upstream?.value
            await channel.heartbeat?.value
        }
    }

    var counts: (upstreams: Int, subscribers: Int) { (channels.count, members.count) }
}
