import Glibc
import Testing
@testable import WharfApp
import WharfHTTP
import WharfIO
import WharfTestSupport

/// The events hub's fan-out in process: one source per host however many subscribers, stopped
/// after the last leaves; a browser's items held until its replay is out, then written straight
/// to its sink, in order, when the socket takes them and when it has room again; a subscriber too
/// far behind dropped.
@Suite struct EventChannelsTests {
    /// A sink's output that takes writes until told to refuse, or to take three bytes only, and
    /// records every byte in order; the test calls the writable callback itself.
    final class Output: EventSinkOutput {
        enum Mode: Sendable { case take, refuse, partial }
        let mode = Locked(Mode.take)
        let text = Locked("")
        let writable = Locked<(@Sendable () -> Void)?>(nil)
        let closed = Locked<Bool?>(nil)

        func write(_ bytes: [UInt8]) async throws {
            let piece = String(decoding: bytes, as: UTF8.self)
            text.withLock { $0 += piece }
        }

        func writeNow(_ bytes: UnsafeRawBufferPointer) throws -> Int? {
            let count: Int
            switch mode.value {
            case .take: count = bytes.count
            case .refuse: count = 0
            case .partial: count = min(3, bytes.count)
            }
            let piece = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<count]), as: UTF8.self)
            text.withLock { $0 += piece }
            return count
        }

        func whenWritable(_ handler: @escaping @Sendable () -> Void) -> Bool {
            writable.withLock { $0 = handler }
            return true
        }

        func abort() {}
        func ended(complete: Bool, bodyBytes: Int) { closed.withLock { $0 = complete } }

        /// The socket has room again: the callback the sink registered runs.
        func makeWritable(_ mode: Mode = .take) {
            self.mode.withLock { $0 = mode }
            writable.withLock { handler in
                defer { handler = nil }
                return handler
            }?()
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

    /// The ids of the frames an output got, in order.
    static func ids(_ output: Output) -> [String] { ids(output.text.value) }

    static func ids(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
    }

    /// A sink whose attach phase is over (as the server's is once the replay is written).
    static func liveSink(_ output: Output, pendingLimit: Int = EventSink.defaultPendingLimit) -> EventSink {
        let sink = EventSink(output: output, chunked: false, pendingLimit: pendingLimit)
        sink.attachEnded(failed: false)
        return sink
    }

    @Test func heldUntilTheReplayIsOutThenSentDirectlyInOrderWhateverTheSocketTakes() async throws {
        let source = Source()
        let channels = EventChannels(bufferLimit: 8) { host, publish in try await source.run(host, publish) }
        let output = Output()
        let sink = EventSink(output: output, chunked: false)
        let id = await channels.subscribe([1], wants: { _ in true }, target: .sink(sink))
        // Until the replay is out, items are held; those in the replay are left out.
        await Self.publish(source, [1, 2])
        #expect(output.text.value.isEmpty)
        try await sink.write(Self.item(1).frame)  // the replay
        await channels.ready(id, through: 1)
        sink.attachEnded(failed: false)
        #expect(Self.ids(output) == ["1.1", "1.2"])
        // Keeping up: written by the publisher itself.
        await Self.publish(source, [3, 4])
        #expect(Self.ids(output) == ["1.1", "1.2", "1.3", "1.4"])
        // A full socket: queued, and everything after it queues behind it until there is room.
        output.mode.withLock { $0 = .refuse }
        await Self.publish(source, [5])
        output.mode.withLock { $0 = .take }
        await Self.publish(source, [6])
        #expect(Self.ids(output) == ["1.1", "1.2", "1.3", "1.4"])
        output.makeWritable()
        #expect(Self.ids(output) == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6"])
        // A partial write: the rest goes first, then what came meanwhile.
        output.mode.withLock { $0 = .partial }
        await Self.publish(source, [7])
        output.mode.withLock { $0 = .take }
        await Self.publish(source, [8])
        output.makeWritable()
        #expect(Self.ids(output) == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8"])
        await channels.unsubscribe(id)
        #expect(!sink.isOpen && output.closed.value == false, "unsubscribing closes the stream")
    }

    @Test func oneSourcePerHostStoppedAfterTheLastSubscriberAndLaggardsDropped() async throws {
        let source = Source()
        let channels = EventChannels(bufferLimit: 4) { host, publish in try await source.run(host, publish) }
        var ids: [Int] = []
        var sinks: [EventSink] = []
        for _ in 0..<5 {
            let sink = EventSink(output: Output(), chunked: false)
            ids.append(await channels.subscribe([1], wants: { _ in true }, target: .sink(sink)))
            sinks.append(sink)
        }
        // (The stream is kept: a queue whose reader is gone is dropped too.)
        let (deliveries, queue) = AsyncStream.makeStream(of: EventChannels.Delivery.self, bufferingPolicy: .bufferingOldest(4))
        let both = await channels.subscribe([1, 2], wants: { $0.seq % 2 == 0 }, target: .queue(queue))
        for _ in 0..<200 where source.running.value < 2 { try await Task.sleep(for: .milliseconds(5)) }
        let started = await channels.counts
        #expect(source.starts.value == 2 && started == (2, 6))
        // Nobody's replay ends, nobody reads: a subscriber more than 4 items behind is dropped
        // (its stream closed); the one that wants only even items is not (4 of 8).
        await Self.publish(source, [1, 2, 3, 4, 5, 6, 7, 8])
        let lagging = await channels.counts
        #expect(lagging == (2, 1))
        #expect(sinks.allSatisfy { !$0.isOpen })
        withExtendedLifetime(deliveries) {}
        for id in ids + [both] { await channels.unsubscribe(id) }
        for _ in 0..<200 where source.running.value > 0 { try await Task.sleep(for: .milliseconds(5)) }
        let ended = await channels.counts
        #expect(source.running.value == 0 && ended == (0, 0))
    }

    @Test func aSinkTooFarBehindIsDroppedAndTheHostsUpstreamStopsWithIt() async throws {
        let source = Source()
        let channels = EventChannels { host, publish in try await source.run(host, publish) }
        let output = Output()
        let sink = Self.liveSink(output, pendingLimit: 1024)
        let id = await channels.subscribe([1], wants: { _ in true }, target: .sink(sink))
        await channels.ready(id, through: 0)
        output.mode.withLock { $0 = .refuse }
        await Self.publish(source, Array(1...40))
        #expect(!sink.isOpen && output.closed.value == false)
        let counts = await channels.counts
        #expect(counts == (0, 0))
        for _ in 0..<200 where source.running.value > 0 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(source.running.value == 0)
    }

    /// A client connection's output on an event loop: takes every write (each taking `delay`),
    /// and records which threads wrote.
    final class LoopOutput: EventSinkOutput {
        let owner: EventLoop
        let delay: Duration
        let text = Locked("")
        let writers = Locked(Set<UInt>())
        let closed = Locked<Bool?>(nil)

        init(_ loop: EventLoop, delay: Duration = .zero) {
            owner = loop
            self.delay = delay
        }

        var loop: EventLoop? { owner }

        func write(_ bytes: [UInt8]) async throws { text.withLock { $0 += String(decoding: bytes, as: UTF8.self) } }

        func writeNow(_ bytes: UnsafeRawBufferPointer) throws -> Int? {
            if delay > .zero { usleep(UInt32(delay.components.attoseconds / 1_000_000_000_000)) }
            writers.withLock { _ = $0.insert(UInt(pthread_self())) }
            text.withLock { $0 += String(decoding: bytes, as: UTF8.self) }
            return bytes.count
        }

        func whenWritable(_ handler: @escaping @Sendable () -> Void) -> Bool { false }
        func abort() {}
        func ended(complete: Bool, bodyBytes: Int) { closed.withLock { $0 = complete } }
    }

    /// Publishes what the test hands it, until told to stop; then the host's stream ends.
    final class EndingSource: Sendable {
        struct Stopped: Error {}
        let publish = Locked<(@Sendable ([HostEventItem]) async -> Void)?>(nil)
        let stop = AsyncStream.makeStream(of: Void.self)

        func run(_ publish: @escaping @Sendable ([HostEventItem]) async -> Void) async throws {
            self.publish.withLock { $0 = publish }
            for await _ in stop.stream { break }
            throw Stopped()
        }
    }

    @Test(arguments: [1, 2])
    func followersOnEachLoopGetEveryItemInOrderThenTheEnd(loops: Int) async throws {
        let group = try EventLoopGroup(loops: loops, name: "channels-test")
        let source = EndingSource()
        let channels = EventChannels(helpers: group.loops) { _, publish in try await source.run(publish) }
        var outputs: [LoopOutput] = []
        var ids: [Int] = []
        for index in 0..<6 {
            let output = LoopOutput(group.loops[index % loops])
            let sink = EventSink(output: output, chunked: false)
            sink.attachEnded(failed: false)
            // Odd followers want even items only.
            let everyOther = index % 2 == 1
            let wants: @Sendable (HostEventItem) -> Bool = { !everyOther || $0.seq % 2 == 0 }
            ids.append(await channels.subscribe([1], wants: wants, target: .sink(sink)))
            await channels.ready(ids[index], through: 2)  // items 1 and 2 were in its replay
            outputs.append(output)
        }
        for _ in 0..<200 where source.publish.value == nil { try await Task.sleep(for: .milliseconds(5)) }
        let publish = try #require(source.publish.value)
        for first in stride(from: 1, through: 55, by: 6) { await publish((UInt64(first)...UInt64(first + 5)).map { Self.item($0) }) }
        // One follower leaves (once it has what came so far): nothing more reaches it, from
        // whichever thread.
        for _ in 0..<400 where Self.ids(outputs[5].text.value).last != "1.60" { try await Task.sleep(for: .milliseconds(5)) }
        await channels.unsubscribe(ids[5])
        await publish((61...70).map { Self.item($0) })
        source.stop.continuation.yield()
        for _ in 0..<400 where outputs.prefix(5).contains(where: { $0.closed.value == nil }) {
            try await Task.sleep(for: .milliseconds(5))
        }
        for (index, output) in outputs.prefix(5).enumerated() {
            let text = output.text.value
            #expect(Self.ids(text) == (3...70).filter { index % 2 == 0 || $0 % 2 == 0 }.map { "1.\($0)" })
            #expect(text.hasSuffix("event: end\ndata: Stopped()\n\n"), "the end comes after every item")
            #expect(output.closed.value == true, "the stream finished")
        }
        #expect(Self.ids(outputs[5].text.value) == (3...60).filter { $0 % 2 == 0 }.map { "1.\($0)" })
        #expect(outputs[5].closed.value == false, "unsubscribing closed it")
        await group.shutdown()
    }

    /// A pass over more followers than one share is split between the publisher and its helper
    /// loops, and every send is done when the publish returns (so the next item cannot overtake);
    /// with loops pinned to CPUs (`--pin-loops`) too.
    @Test(arguments: [false, true])
    func aPassOverManyFollowersIsSharedAndDoneWhenThePublishReturns(pinned: Bool) async throws {
        let group = try EventLoopGroup(loops: 2, name: "channels-pass", pinned: pinned)
        let source = EndingSource()
        let channels = EventChannels(helpers: group.loops) { _, publish in try await source.run(publish) }
        var outputs: [LoopOutput] = []
        for index in 0..<96 {
            // Each write takes 1 ms, so a helper woken after the publisher began still finds work.
            let output = LoopOutput(group.loops[index % 2], delay: .milliseconds(1))
            let sink = EventSink(output: output, chunked: false)
            sink.attachEnded(failed: false)
            let id = await channels.subscribe([1], wants: { _ in true }, target: .sink(sink))
            await channels.ready(id, through: 0)
            outputs.append(output)
        }
        for _ in 0..<200 where source.publish.value == nil { try await Task.sleep(for: .milliseconds(5)) }
        let publish = try #require(source.publish.value)
        for seq in 1...3 {
            await publish([Self.item(UInt64(seq))])
            #expect(outputs.allSatisfy { Self.ids($0.text.value).count == seq }, "every follower has item \(seq) when the publish returns")
        }
        #expect(outputs.allSatisfy { Self.ids($0.text.value) == ["1.1", "1.2", "1.3"] })
        let writers = outputs.reduce(into: Set<UInt>()) { $0.formUnion($1.writers.value) }
        if Processors.available > 1 { #expect(writers.count >= 2, "the publisher and at least one helper sent") }
        source.stop.continuation.yield()
        for _ in 0..<400 where outputs.contains(where: { $0.closed.value == nil }) { try await Task.sleep(for: .milliseconds(5)) }
        #expect(outputs.allSatisfy { $0.closed.value == true })
        await group.shutdown()
    }

    /// One sender per CPU: a loop pinned to the CPU the publisher runs on is not asked to join
    /// its pass (the two could only take turns there); every other loop is, and every loop when
    /// the publisher's CPU is unknown or the loops are not pinned.
    @Test func aLoopPinnedToThePublishersCPUIsNotAskedToJoinItsPass() async throws {
        let pinned = try EventLoopGroup(loops: 3, name: "channels-join", pinned: true)
        let free = try EventLoopGroup(loops: 2, name: "channels-free")
        let cpu = try #require(pinned.loops[0].cpu)
        let joining = EventChannels.joining(pinned.loops + free.loops, on: cpu)
        #expect(joining.allSatisfy { $0.cpu != cpu })
        #expect(joining.count == pinned.loops.filter { $0.cpu != cpu }.count + 2, "the unpinned loops always join")
        #expect(EventChannels.joining(pinned.loops, on: nil).count == 3)
        #expect(EventChannels.joining(free.loops, on: cpu).count == 2)
        if Processors.available > 1 { #expect(!EventChannels.joining(pinned.loops, on: cpu).isEmpty) }
        await pinned.shutdown()
        await free.shutdown()
    }
}
