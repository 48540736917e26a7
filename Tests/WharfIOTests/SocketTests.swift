import Glibc
import Testing
import WharfIO
import WharfTestSupport

@Suite struct SocketTests {
    /// Accepts one connection, waiting for it.
    static func acceptOne(_ listener: Socket, loop: EventLoop) async throws -> Socket {
        while true {
            if let (fd, _) = try listener.accept() { return try Socket(adopting: fd, loop: loop) }
            try await listener.readiness.wait(.read, deadline: .after(seconds: 5))
        }
    }

    @Test func listenOnPortZeroConnectAcceptAndExchangeBytes() async throws {
        let loop = try EventLoop.start(name: "test-socket")
        let listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: loop)
        defer { listener.close() }
        let bound = try listener.localAddress()
        #expect(bound.port != 0)
        let client = try await Socket.connect(to: bound, loop: loop, deadline: .after(seconds: 5))
        defer { client.close() }
        let server = try await Self.acceptOne(listener, loop: loop)
        defer { server.close() }
        try await client.write(Array("hello".utf8), deadline: .after(seconds: 5))
        let buffer = ByteBuffer()
        var received: [UInt8] = []
        while received.count < 5 {
            let count = try await server.read(into: buffer, deadline: .after(seconds: 5))
            #expect(count > 0)
            received += buffer.readBytes(upTo: count)
        }
        #expect(received == Array("hello".utf8))
        client.close()
        #expect(try await server.read(into: buffer, deadline: .after(seconds: 5)) == 0, "end of stream reads 0")
        server.close()
        listener.close()
        #expect(listener.isClosed)
        await loop.shutdown()
    }

    @Test func ipv6LoopbackWorks() async throws {
        let loop = try EventLoop.start(name: "test-socket6")
        let listener = try Socket.listen(on: try SocketAddress(ip: "::1", port: 0), loop: loop)
        defer { listener.close() }
        let bound = try listener.localAddress()
        #expect(bound.family == .ipv6)
        let client = try await Socket.connect(to: bound, loop: loop, deadline: .after(seconds: 5))
        defer { client.close() }
        let server = try await Self.acceptOne(listener, loop: loop)
        server.close()
        await loop.shutdown()
    }

    @Test func connectingToAClosedPortThrowsConnectionRefused() async throws {
        let loop = try EventLoop.start(name: "test-refused")
        let listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: loop)
        let address = try listener.localAddress()
        listener.close()
        do {
            let socket = try await Socket.connect(to: address, loop: loop, deadline: .after(seconds: 5))
            socket.close()
            Issue.record("connected to a closed port")
        } catch let error as SystemError {
            #expect(error.code == ECONNREFUSED)
            #expect(error.isConnectionRefused)
        }
        #expect(loop.registrationCount == 0, "the failed socket was closed and deregistered")
        await loop.shutdown()
    }

    @Test func freshlyConnectedSocketIsNotHungUpAndIsReallyConnected() async throws {
        let loop = try EventLoop.start(name: "test-connected-state")
        let listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: loop)
        defer { listener.close() }
        let address = try listener.localAddress()
        for attempt in 0..<20 {
            let client = try await Socket.connect(to: address, loop: loop, deadline: .after(seconds: 5))
            defer { client.close() }
            let server = try await Self.acceptOne(listener, loop: loop)
            defer { server.close() }
            #expect(!client.readiness.hasHungUp, "attempt \(attempt): a live connection reports a hang-up")
            let hungUp = Locked(false)
            client.readiness.onHangUp { hungUp.withLock { $0 = true } }
            #expect(!hungUp.value, "attempt \(attempt): the hang-up handler ran on a live connection")
            client.readiness.onHangUp(nil)
            var peer = [UInt8](repeating: 0, count: 128)
            var length = socklen_t(peer.count)
            let result = peer.withUnsafeMutableBytes {
                getpeername(client.fd, $0.baseAddress?.assumingMemoryBound(to: sockaddr.self), &length)
            }
            #expect(result == 0, "attempt \(attempt): connect returned before the connection was established")
        }
        await loop.shutdown()
    }

    @Test func connectTimesOutWhenTheListenerNeverAnswers() async throws {
        let loop = try EventLoop.start(name: "test-connect-timeout")
        // A listener with a full accept queue drops new SYNs: the handshake never completes.
        let listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), backlog: 0, loop: loop)
        defer { listener.close() }
        let address = try listener.localAddress()
        var connected: [Socket] = []
        defer { for socket in connected { socket.close() } }
        var timedOut = false
        for _ in 0..<8 where !timedOut {
            let start = TestClock.now
            do {
                connected.append(try await Socket.connect(to: address, loop: loop, deadline: .after(milliseconds: 200)))
            } catch IOError.timedOut(let phase) {
                #expect(phase == "connect")
                let elapsed = TestClock.seconds(since: start)
                #expect(elapsed >= 0.18 && elapsed < 2, "timed out after \(elapsed) s")
                timedOut = true
            }
        }
        #expect(timedOut, "\(connected.count) connects reported success against a full accept queue")
        await loop.shutdown()
    }

    @Test func unixSocketListensAndConnects() async throws {
        let loop = try EventLoop.start(name: "test-unix")
        let path = "/tmp/wharf-test-\(getpid())-\(UInt32.random(in: 0 ... .max)).sock"
        defer { unlink(path) }
        let address = try SocketAddress(unixPath: path)
        let listener = try Socket.listen(on: address, loop: loop)
        defer { listener.close() }
        let client = try await Socket.connect(to: address, loop: loop, deadline: .after(seconds: 5))
        defer { client.close() }
        let server = try await Self.acceptOne(listener, loop: loop)
        defer { server.close() }
        try await server.write(Array("over unix".utf8))
        let buffer = ByteBuffer()
        let count = try await client.read(into: buffer, deadline: .after(seconds: 5))
        #expect(buffer.readBytes(upTo: count) == Array("over unix".utf8))
        await loop.shutdown()
    }

    @Test func bindingAnAddressInUseThrowsAndLeaksNothing() async throws {
        let loop = try EventLoop.start(name: "test-in-use")
        let first = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: loop)
        defer { first.close() }
        let address = try first.localAddress()
        #expect(throws: SystemError.self) { try Socket.listen(on: address, loop: loop).close() }
        #expect(loop.registrationCount == 1)
        await loop.shutdown()
    }

    @Test func largeWriteWaitsForRoomWhileThePeerReads() async throws {
        let loop = try EventLoop.start(name: "test-backpressure")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        let payload = (0..<(4 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let received = try await Self.read(payload.count, from: b, chunk: 64 * 1024) {
            try await a.write(payload, deadline: .after(seconds: 10))
        }
        #expect(received == payload)
        await loop.shutdown()
    }

    /// Reads `count` bytes from `socket` on another task (pausing after each read when asked)
    /// while `write` runs, and returns them.
    static func read(
        _ count: Int, from socket: Socket, chunk: Int, pause: Duration? = nil, while write: () async throws -> Void
    ) async throws -> [UInt8] {
        let reader = Task {
            let buffer = ByteBuffer()
            var received: [UInt8] = []
            while received.count < count {
                let got = try await socket.read(into: buffer, chunk: chunk, deadline: .after(seconds: 10))
                if got == 0 { break }
                received += buffer.readBytes(upTo: got)
                if let pause { try await Task.sleep(for: pause) }
            }
            return received
        }
        do {
            try await write()
        } catch {
            // The reader must be finished before the caller closes the sockets under it.
            reader.cancel()
            _ = try? await reader.value
            throw error
        }
        return try await reader.value
    }

    /// A head, a body and a tail written with gathered sends arrive as if joined, also when the
    /// socket fills up in the middle of any of them and when one is empty.
    @Test(arguments: [(5, 4 * 1024 * 1024 + 3, 2), (0, 3 * 1024 * 1024, 0), (7, 0, 2), (70_000, 1, 300_000)])
    func headBodyAndTailArriveAsOneWriteWhileThePeerReadsSlowly(sizes: (Int, Int, Int)) async throws {
        let loop = try EventLoop.start(name: "test-gathered")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        func bytes(_ count: Int, _ seed: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed) } }
        let head = bytes(sizes.0, 1), body = bytes(sizes.1, 2), tail = bytes(sizes.2, 3)
        let expected = head + body + tail
        // The reader is slower than the writer.
        let received = try await Self.read(expected.count, from: b, chunk: 48 * 1024, pause: .microseconds(200)) {
            try await a.write(head, body, tail, deadline: .after(seconds: 20))
        }
        #expect(received.count == expected.count)
        #expect(received == expected)
        await loop.shutdown()
    }

    @Test func writeToAPeerThatNeverReadsTimesOut() async throws {
        let loop = try EventLoop.start(name: "test-write-timeout")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        let payload = [UInt8](repeating: 7, count: 32 * 1024 * 1024)
        await #expect(throws: IOError.timedOut("write")) {
            try await a.write(payload, deadline: .after(milliseconds: 100))
        }
        await loop.shutdown()
    }

    @Test func writeToAClosedPeerThrowsASystemErrorNotSIGPIPE() async throws {
        let loop = try EventLoop.start(name: "test-epipe")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        b.close()
        await #expect(throws: SystemError.self) {
            try await a.write([UInt8](repeating: 1, count: 1024), deadline: .after(seconds: 1))
        }
        a.close()
        await loop.shutdown()
    }

    @Test func shutdownBothWakesABlockedReaderWithEndOfStream() async throws {
        let loop = try EventLoop.start(name: "test-shutdown-both")
        let (a, b) = try socketPair(on: loop)
        defer { a.close(); b.close() }
        let waiting = AsyncSignal()
        let reader = Task {
            waiting.fire()
            return try await a.read(into: ByteBuffer(), deadline: .after(seconds: 5))
        }
        #expect(await waiting.wait())
        a.shutdownBoth()
        #expect(try await reader.value == 0)
        a.close()
        a.shutdownBoth()  // after close: a no-op, never on a reused descriptor number
        b.close()
        await loop.shutdown()
    }
}
