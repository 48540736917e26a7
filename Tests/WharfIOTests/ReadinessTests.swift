import Glibc
import Testing
import WharfIO
import WharfTestSupport

/// Two connected non-blocking Unix stream sockets registered with `loop`.
func socketPair(on loop: EventLoop) throws -> (Socket, Socket) {
    var fds: [Int32] = [-1, -1]
    let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { throw SystemError(code: errno, operation: "socketpair") }
    return (try Socket(adopting: fds[0], loop: loop), try Socket(adopting: fds[1], loop: loop))
}

@Suite struct ReadinessTests {
    @Test func waitWithADeadlineTimesOut() async throws {
        let loop = try EventLoop.start(name: "test-deadline")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        let start = TestClock.now
        await #expect(throws: IOError.timedOut("read")) {
            try await a.readiness.wait(.read, deadline: .after(milliseconds: 100))
        }
        let elapsed = TestClock.seconds(since: start)
        #expect(elapsed >= 0.09 && elapsed < 2, "timed out after \(elapsed) s")
        await loop.shutdown()
    }

    /// A deadline that has already passed when the wait starts (a busy machine) times out at
    /// once. Its timer used to be armed before the waiter was registered, and could fire on the
    /// loop thread in between: the wait then never ended. Many rounds make that window likely.
    @Test func aDeadlineAlreadyPassedTimesOutEveryTime() async throws {
        let loop = try EventLoop.start(name: "test-past-deadline")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        for _ in 0..<2000 {
            await #expect(throws: IOError.timedOut("read")) {
                try await a.readiness.wait(.read, deadline: Deadline(nanoseconds: 1))
            }
            await #expect(throws: IOError.timedOut("read")) {
                try await a.readiness.wait(.read, deadline: .after(milliseconds: 0))
            }
        }
        await loop.shutdown()
    }

    @Test func readTimesOutWithItsPhase() async throws {
        let loop = try EventLoop.start(name: "test-read-deadline")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        await #expect(throws: IOError.timedOut("read")) {
            _ = try await a.read(into: ByteBuffer(), deadline: .after(milliseconds: 50))
        }
        await loop.shutdown()
    }

    @Test func cancelledWaitThrowsCancellationErrorPromptly() async throws {
        let loop = try EventLoop.start(name: "test-cancel")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        let waiting = AsyncSignal()
        let start = TestClock.now
        let task = Task {
            waiting.fire()
            try await a.readiness.wait(.read)  // no deadline: only cancellation ends it
        }
        #expect(await waiting.wait())
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        // Without cancellation the wait never ends; the bound leaves a loaded machine its delays.
        #expect(TestClock.seconds(since: start) < 5)
        await loop.shutdown()
    }

    @Test func waitInAnAlreadyCancelledTaskThrowsAtOnce() async throws {
        let loop = try EventLoop.start(name: "test-cancelled")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await a.readiness.wait(.read)
        }
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        await loop.shutdown()
    }

    @Test func dataArrivingResumesAWaitingReader() async throws {
        let loop = try EventLoop.start(name: "test-wake")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        let reader = Task {
            let buffer = ByteBuffer()
            let count = try await a.read(into: buffer, deadline: .after(seconds: 5))
            return buffer.readBytes(upTo: count)
        }
        try await b.write(Array("ping".utf8))
        #expect(try await reader.value == Array("ping".utf8))
        await loop.shutdown()
    }

    @Test func closingTheSocketFailsItsWaiterWithClosed() async throws {
        let loop = try EventLoop.start(name: "test-close")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        let waiting = AsyncSignal()
        let waiter = Task {
            waiting.fire()
            try await a.readiness.wait(.read, deadline: .after(seconds: 5))
        }
        #expect(await waiting.wait())
        loop.execute { a.close() }
        let result = await waiter.result
        #expect(throws: IOError.closed) { try result.get() }
        b.close()
        await loop.shutdown()
    }

    @Test func peerHangUpRunsTheHangUpHandlerOnTheLoop() async throws {
        let loop = try EventLoop.start(name: "test-hangup")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        let hungUp = AsyncSignal()
        let onLoop = Locked(false)
        a.readiness.onHangUp {
            onLoop.withLock { $0 = loop.inEventLoop }
            hungUp.fire()
        }
        b.close()
        #expect(await hungUp.wait())
        #expect(onLoop.value)
        #expect(a.readiness.hasHungUp)
        let late = AsyncSignal()
        a.readiness.onHangUp { late.fire() }
        #expect(late.isFired, "a handler set after the hang-up runs at once")
        a.close()
        await loop.shutdown()
    }

    @Test func aFINAloneDoesNotRunAHandlerThatWaitsForFailure() async throws {
        let loop = try EventLoop.start(name: "test-half-close")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        let gone = AsyncSignal()
        a.readiness.onHangUp(readEnd: false) { gone.fire() }
        b.shutdownWrite()
        #expect(await eventually { a.readiness.hasReadEnded })
        #expect(a.readiness.hasHungUp, "a FIN still reads as a hang-up for a Docker pool's purposes")
        #expect(!a.readiness.hasFailed)
        let buffer = ByteBuffer()
        #expect(try await a.read(into: buffer, deadline: .after(seconds: 5)) == 0, "end of input")
        // The other direction still works.
        try await a.write([1, 2, 3], deadline: .after(seconds: 5))
        #expect(try await b.read(into: buffer, deadline: .after(seconds: 5)) == 3)
        #expect(!gone.isFired)
        b.close()
        #expect(await gone.wait(), "the peer's close was not reported")
        #expect(a.readiness.hasFailed)
        a.close()
        await loop.shutdown()
    }

    @Test func parkedDescriptorCallsItsHandlerAtTheNextReadableEdge() async throws {
        let loop = try EventLoop.start(name: "test-park")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        let woke = AsyncSignal()
        #expect(a.readiness.park { woke.fire() })
        #expect(!woke.isFired)
        try await b.write([1])
        #expect(await woke.wait())
        #expect(!a.readiness.unpark(), "the handler was consumed by the edge")
        await loop.shutdown()
    }

    @Test func unparkTakesTheHandlerBack() async throws {
        let loop = try EventLoop.start(name: "test-unpark")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        let woke = AsyncSignal()
        #expect(a.readiness.park { woke.fire() })
        #expect(a.readiness.unpark())
        try await b.write([1])
        // The edge is not lost: a reader sees it, and the handler taken back never runs.
        try await a.readiness.wait(.read, deadline: .after(seconds: 5))
        #expect(!woke.isFired)
        await loop.shutdown()
    }
}
