import Glibc
import Testing
import WharfHTTP
import WharfIO
import WharfTestSupport

@Suite struct ShutdownTests {
    @Test func gracefulShutdownFinishesInFlightWorkEndsStreamsAndClosesIdleConnections() async throws {
        let slowStarted = AsyncSignal()
        let streamEnded = AsyncSignal()
        let shutdownBegun = AsyncSignal()
        let server = try TestHTTPServer(limits: .test { $0.shutdownGracePeriod = 5 }) { routes in
            commonRoutes(&routes)
            routes.add(.get, "/slow", permission: .test) { _, _ in
                slowStarted.fire()
                // The subject: a request still in flight when shutdown begins, however long the
                // test's own steps take on a loaded machine.
                _ = await shutdownBegun.wait(timeout: 10)
                try? await Task.sleep(for: .milliseconds(50))
                return .text("slow and complete")
            }
            routes.add(.get, "/events", permission: .test) { _, _ in
                .eventStream(heartbeat: .seconds(60)) { stream in
                    defer { streamEnded.fire() }
                    try await stream.send(ServerSentEvent(data: "hello"))
                    let (never, continuation) = AsyncStream<Int>.makeStream()
                    for await _ in never {}
                    continuation.finish()
                }
            }
        }

        let idle = try await server.connect()
        try await idle.send(Wire.request("GET", "/hello"))
        #expect(try await idle.readResponse().status == 200)

        let events = try await server.connect()
        try await events.send(Wire.request("GET", "/events"))
        #expect(try await events.readResponseHead().framing == .chunked)
        #expect(try await events.readChunk() == Array("data: hello\n\n".utf8))

        let inFlight = try await server.connect()
        try await inFlight.send(Wire.request("GET", "/slow"))
        #expect(await slowStarted.wait())

        let started = TestClock.now
        let shutdown = Task { await server.shutdown() }

        // New connections are refused once shutdown has begun.
        #expect(await eventually {
            do {
                let late = try await RawHTTPClient.connect(to: server.address, timeout: 1)
                // Accepted in the instant before the listener closed: it must get nothing but a close or a 503.
                let bytes = (try? await late.readUntilClose(timeout: 2)) ?? []
                return bytes.isEmpty || String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 503")
            } catch RawHTTPClient.Failure.system(_, let code) {
                return code == ECONNREFUSED
            } catch {
                return false
            }
        })

        shutdownBegun.fire()

        // The idle keep-alive connection is closed.
        await expectServerCloses(idle)

        // The open event stream ends cleanly: the terminating chunk, then close.
        #expect(try await events.readChunk() == nil)
        await expectServerCloses(events)
        #expect(await streamEnded.wait())

        // The request in flight completes with its full response.
        let response = try await inFlight.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "slow and complete")
        #expect(response.announcesClose)
        await expectServerCloses(inFlight)

        await shutdown.value
        let elapsed = TestClock.seconds(since: started)
        #expect(elapsed < 3, "shutdown took \(elapsed) s")
        #expect(server.server.connectionCount == 0)
    }

    @Test func shutdownWithNothingOpenReturnsAtOnce() async throws {
        // A long grace period, so "at once" (not waiting for it) holds on a loaded machine too.
        let server = try TestHTTPServer(limits: .test { $0.shutdownGracePeriod = 20 }, routes: commonRoutes)
        let start = TestClock.now
        await server.shutdown()
        #expect(TestClock.seconds(since: start) < 5)
        await #expect(throws: RawHTTPClient.Failure.system("connect", ECONNREFUSED)) {
            _ = try await RawHTTPClient.connect(to: server.address)
        }
    }

    @Test func requestStillRunningAfterTheGracePeriodIsCutOff() async throws {
        let server = try TestHTTPServer(limits: .test { $0.shutdownGracePeriod = 0.3 }) { routes in
            routes.add(.get, "/forever", permission: .test) { _, _ in
                HTTPResponse(body: .stream(length: nil) { writer in
                    try await writer.write(Array("started".utf8))
                    // Ignores cancellation on purpose: only the socket failing stops it.
                    while true {
                        try? await Task.sleep(for: .milliseconds(20))
                        if Task.isCancelled { try await writer.write([0x2E]) }
                    }
                })
            }
        }
        let client = try await server.connect()
        try await client.send(Wire.request("GET", "/forever"))
        _ = try await client.readResponseHead()
        let start = TestClock.now
        await server.shutdown()
        #expect(TestClock.seconds(since: start) < 4)
        await expectServerCloses(client)
    }
}

/// The check after a burst reads malloc's free memory (a walk of its free lists, a millisecond
/// with a thousand streams open, on a loop) only while requests and connections come and go.
@Suite struct FreeMemoryCheckTests {
    @Test func anIdleServerStopsReadingMallocsFreeMemoryAndARequestStartsItAgain() async throws {
        let server = try TestHTTPServer { routes in commonRoutes(&routes) }
        let client = try await server.connect()
        try await client.send(Wire.request("GET", "/hello"))
        #expect(try await client.readResponse().status == 200)
        // Once a second: read after the request, read once more, then no more while idle.
        func reads(after seconds: Double) async throws -> Int {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return server.server.freeMemoryReadCount
        }
        var settled = 0
        for _ in 0..<20 {  // until 1.5 s pass without a read (a loaded machine runs the check late)
            let now = try await reads(after: 1.5)
            if now == settled { break }
            settled = now
        }
        #expect(settled >= 1, "the request was followed by a read")
        #expect(try await reads(after: 2.5) == settled, "no read while nothing comes or goes")
        try await client.send(Wire.request("GET", "/hello"))
        #expect(try await client.readResponse().status == 200)
        #expect(try await reads(after: 2.5) > settled, "a request brings the reads back")
    }
}
