import Testing
@testable import WharfApp
import WharfHTTP
import WharfTestSupport

/// The events hub's fan-out in process: one source per host however many subscribers, stopped
/// after the last leaves; direct writes while a subscriber keeps up, its queue (in order) while it
/// does not, a partial write finished before anything else, a subscriber too far behind dropped.
@Suite struct EventChannelsTests {
    /// A body writer that takes direct writes until told to refuse, and records every byte in order.
    final class Writer: ResponseBodyWriter, Sendable {
        enum Mode: Sendable { case take, refuse, partial }
        let mode = Locked(Mode.take)
        let text = Locked("")
        let pending = Locked("")

        func write(_ bytes: [UInt8]) async throws {
            let rest = pending.withLock { value in
                defer { value = "" }
                return value
            }
            text.withLock { $0 += rest + String(decoding: bytes, as: UTF8.self) }
        }

        func writeNow(_ bytes: [UInt8]) -> ResponseWriteNow {
            let frame = String(decoding: bytes, as: UTF8.self)
            guard pending.value.isEmpty else { return .refused }
            switch mode.value {
            case .take:
                text.withLock { $0 += frame }
                return .written
            case .refuse: return .refused
            case .partial:
                text.withLock { $0 += String(frame.prefix(3)) }
                pending.withLock { $0 = String(frame.dropFirst(3)) }
                return .partial
            }
        }
    }

    /// Publishes what the test hands it, for any host; counts its starts and stops.
    final class Source: Sendable {
        let publish = Locked<[Int64: @Sendable ([HostEventItem]) async -> Void]>([:])
        let starts = Locked(0)
        let running = Locked(0)

        func run(_ host: Int64, _ publish: @escaping @Sendable ([HostEventItem]) async -> Void) async throws {
            starts.withLock { $0 += 1 }
            running.withLock { $0 += 1 }
            self.publish.withLock { $0[host] = publish }
            defer { running.withLock { $0 -= 1 } }
            try await Task.sleep(for: .seconds(3600))
        }
    }

    static func item(_ seq: UInt64, host: Int64 = 1) -> HostEventItem {
        HostEventItem(
            hostID: host, seq: seq,
            payload: .gap(EventGapJSON(id: "1.\(seq)", hostId: host, hostName: "h", from: nil, to: nil, reason: "r\(seq)")),
            cursor: "1.\(seq)")
    }

    static func publish(_ source: Source, _ seqs: [UInt64], host: Int64 = 1) async {
        for _ in 0..<200 where source.publish.value[host] == nil { try? await Task.sleep(for: .milliseconds(5)) }
        await source.publish.value[host]?(seqs.map { item($0, host: host) })
    }

    /// The ids of the frames a writer got, in order.
    static func ids(_ writer: Writer) -> [String] {
        writer.text.value.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
    }

    @Test func directWhileKeepingUpQueuedInOrderOtherwise() async throws {
        let source = Source()
        let channels = EventChannels(bufferLimit: 8) { host, publish in try await source.run(host, publish) }
        let writer = Writer()
        let (id, deliveries) = await channels.subscribe([1], wants: { _ in true }, writer: writer)
        // Until the replay is out, everything is queued.
        await Self.publish(source, [1])
        #expect(writer.text.value.isEmpty)
        await channels.ready(id, through: 0)
        var iterator = deliveries.makeAsyncIterator()
        guard case .item(let first)? = await iterator.next() else { Issue.record("the queued item"); return }
        try await writer.write(first.frame)
        await channels.consumed(id)
        // Keeping up: written by the publisher itself.
        await Self.publish(source, [2, 3])
        #expect(Self.ids(writer) == ["1.1", "1.2", "1.3"])
        // A refusal queues, and everything after it queues behind it.
        writer.mode.withLock { $0 = .refuse }
        await Self.publish(source, [4])
        writer.mode.withLock { $0 = .take }
        await Self.publish(source, [5])
        #expect(Self.ids(writer) == ["1.1", "1.2", "1.3"])
        for _ in 0..<2 {
            guard case .item(let item)? = await iterator.next() else { Issue.record("a queued item"); return }
            try await writer.write(item.frame)
            await channels.consumed(id)
        }
        await Self.publish(source, [6])
        #expect(Self.ids(writer) == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6"])
        // A partial write: the rest goes first, then what came meanwhile.
        writer.mode.withLock { $0 = .partial }
        await Self.publish(source, [7])
        writer.mode.withLock { $0 = .take }
        await Self.publish(source, [8])
        guard case .flush? = await iterator.next() else { Issue.record("a flush"); return }
        try await writer.write([])
        await channels.consumed(id)
        guard case .item(let eight)? = await iterator.next() else { Issue.record("item 8"); return }
        try await writer.write(eight.frame)
        await channels.consumed(id)
        #expect(Self.ids(writer) == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8"])
        await channels.unsubscribe(id)
    }

    @Test func oneSourcePerHostStoppedAfterTheLastSubscriberAndLaggardsDropped() async throws {
        let source = Source()
        let channels = EventChannels(bufferLimit: 4) { host, publish in try await source.run(host, publish) }
        var ids: [Int] = []
        var streams: [AsyncStream<EventChannels.Delivery>] = []
        for _ in 0..<5 {
            let (id, stream) = await channels.subscribe([1], wants: { _ in true }, writer: Writer())
            ids.append(id)
            streams.append(stream)
        }
        let (both, bothStream) = await channels.subscribe([1, 2], wants: { $0.seq % 2 == 0 }, writer: nil)
        for _ in 0..<200 where source.running.value < 2 { try await Task.sleep(for: .milliseconds(5)) }
        let started = await channels.counts
        #expect(source.starts.value == 2 && started == (2, 6))
        // Nobody reads: a subscriber more than 4 items behind is dropped; the one that wants only
        // even items is not (4 of 8).
        await Self.publish(source, [1, 2, 3, 4, 5, 6, 7, 8])
        let lagging = await channels.counts
        #expect(lagging == (2, 1))
        for id in ids + [both] { await channels.unsubscribe(id) }
        #expect(streams.count == 5 && bothStream is AsyncStream<EventChannels.Delivery>)
        for _ in 0..<200 where source.running.value > 0 { try await Task.sleep(for: .milliseconds(5)) }
        let ended = await channels.counts
        #expect(source.running.value == 0 && ended == (0, 0))
    }
}
