import Testing
import WharfTestSupport
@testable import WharfApp

/// The shared upstream behind live pages: one source per key whatever the subscribers, replay
/// that meets the live elements exactly, a lagging subscriber dropped instead of buffered without
/// bound, and the source cancelled when the last subscriber leaves.
@Suite struct FanoutTests {
    @Test func oneSourcePerKeyReplayMeetsLiveAndTheLastToLeaveStopsIt() async throws {
        let started = Locked(0)
        let cancelled = AsyncSignal()
        let gate = AsyncSignal()
        let fanout = Fanout<String, Int>(bufferLimit: 100, replayLimit: 3) { _, publish in
            started.withLock { $0 += 1 }
            for value in 1...5 { await publish(value) }
            _ = await gate.wait(timeout: 10)
            for value in 6...7 { await publish(value) }
            await withTaskCancellationHandler {
                try? await Task.sleep(for: .seconds(60))
            } onCancel: {
                cancelled.fire()
            }
        }
        let (firstID, first, firstReplay) = await fanout.subscribe("a")
        #expect(firstReplay.isEmpty)
        var iterator = first.makeAsyncIterator()
        for expected in 1...5 {
            guard case .element(let value)? = await iterator.next() else { Issue.record("no element"); return }
            #expect(value == expected)
        }
        let (secondID, second, secondReplay) = await fanout.subscribe("a")
        #expect(secondReplay == [3, 4, 5], "the last three, oldest first")
        gate.fire()
        var secondIterator = second.makeAsyncIterator()
        guard case .element(let next)? = await secondIterator.next() else { Issue.record("no live element"); return }
        #expect(next == 6, "live continues exactly after the replay")
        #expect(started.value == 1)
        #expect(await fanout.counts == (1, 2))
        await fanout.unsubscribe("a", id: firstID)
        #expect(!cancelled.isFired)
        await fanout.unsubscribe("a", id: secondID)
        #expect(await cancelled.wait(timeout: 5), "the source is cancelled when the last subscriber leaves")
        #expect(await fanout.counts == (0, 0))
    }

    @Test func aSubscriberThatFallsBehindIsDroppedNotBufferedWithoutBound() async throws {
        let fanout = Fanout<String, Int>(bufferLimit: 10) { _, publish in
            for value in 1...1000 { await publish(value) }
            try await Task.sleep(for: .seconds(60))
        }
        let (_, slow, _) = await fanout.subscribe("k")
        try await Task.sleep(for: .milliseconds(200))
        var received = 0
        for await event in slow {
            if case .element = event { received += 1 }
        }
        #expect(received <= 10, "at most the buffer, then the stream ends: \(received)")
    }

    @Test func theSourcesEndReachesEverySubscriber() async throws {
        let fanout = Fanout<String, Int>(source: { _, publish in await publish(1) })
        let (_, events, _) = await fanout.subscribe("k")
        var last: Fanout<String, Int>.Event?
        for await event in events { last = event }
        guard case .end(nil)? = last else { Issue.record("no end: \(String(describing: last))"); return }
    }
}
