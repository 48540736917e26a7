import Testing
import WharfHTTP
import WharfIO
import WharfTestSupport
import WharfWire

/// `HTTPResponse.eventSink` over a real socket: a stream that holds no task once live, written
/// by a source from outside the connection.
@Suite struct EventSinkTests {
    /// What a route hands the test: the live sink, and whether it closed.
    final class Source: Sendable {
        let sink = Locked<EventSink?>(nil)
        let closed = AsyncSignal()

        var live: EventSink? { sink.value }
    }

    static func route(
        _ routes: inout RouterBuilder, _ source: Source, heartbeat: Duration = .seconds(60), pendingLimit: Int = EventSink.defaultPendingLimit,
        attach: @escaping @Sendable (EventSink) async throws -> Void = { _ in }
    ) {
        routes.add(.get, "/sink", permission: .test) { _, _ in
            .eventSink(heartbeat: heartbeat, pendingLimit: pendingLimit) { sink in
                sink.onClose { source.closed.fire() }
                try await attach(sink)
                source.sink.withLock { $0 = sink }
            }
        }
    }

    /// Opens `/sink` and waits until its stream is live; returns the client and the sink.
    static func open(_ server: TestHTTPServer, _ source: Source) async throws -> (RawHTTPClient, EventSink) {
        let client = try await server.connect()
        try await client.send(Wire.request("GET", "/sink"))
        _ = try await client.readResponseHead()
        #expect(await eventually { source.live != nil })
        return (client, try #require(source.live))
    }

    @Test func theReplayComesFirstThenWhatWasSentMeanwhileThenLiveEventsThenTheEndAndKeepAlive() async throws {
        let source = Source()
        let replaying = AsyncSignal()
        let goOn = AsyncSignal()
        try await TestHTTPServer.run { routes in
            commonRoutes(&routes)
            Self.route(&routes, source) { sink in
                try await sink.write(ServerSentEvent(id: "1", data: "replayed"))
                source.sink.withLock { $0 = sink }
                replaying.fire()
                _ = await goOn.wait(timeout: 5)
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/sink"))
            let head = try await client.readResponseHead()
            #expect(head.status == 200)
            #expect(head["Content-Type"] == "text/event-stream; charset=utf-8")
            #expect(head.framing == .chunked)
            #expect(try await client.readChunk() == Array("id: 1\ndata: replayed\n\n".utf8))
            #expect(await replaying.wait())
            let sink = try #require(source.live)
            #expect(sink.send(ServerSentEvent(id: "2", data: "sent while attaching")), "queued behind the replay")
            #expect(server.server.eventStreamCount == 1)
            goOn.fire()
            #expect(try await client.readChunk() == Array("id: 2\ndata: sent while attaching\n\n".utf8))
            for n in 3...5 { #expect(sink.send(ServerSentEvent(id: "\(n)", data: "live <img src=x onerror=alert(1)>"))) }
            for n in 3...5 { #expect(try await client.readChunk() == Array("id: \(n)\ndata: live <img src=x onerror=alert(1)>\n\n".utf8)) }
            sink.finish()
            #expect(!sink.send(ServerSentEvent(data: "after the end")), "nothing goes after finish")
            #expect(try await client.readChunk() == nil, "the last chunk ends the body")
            #expect(await source.closed.wait())
            #expect(await eventually { server.server.eventStreamCount == 0 })
            try await client.send(Wire.request("GET", "/hello"))
            #expect(try await client.readResponse().status == 200, "the connection serves the next request")
        }
    }

    @Test func heartbeatsKeepAQuietStreamOpen() async throws {
        let source = Source()
        try await TestHTTPServer.run { routes in
            Self.route(&routes, source, heartbeat: .milliseconds(50))
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/sink"))
            _ = try await client.readResponseHead()
            for _ in 0..<3 { #expect(try await client.readChunk(timeout: 2) == Array(": heartbeat\n\n".utf8)) }
            source.live?.finish()
        }
    }

    @Test func aClientThatLeavesClosesTheSinkAndTheSourceLearnsIt() async throws {
        let source = Source()
        try await TestHTTPServer.run { routes in
            Self.route(&routes, source)
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/sink"))
            _ = try await client.readResponseHead()
            #expect(await eventually { source.live != nil })
            await client.close()
            #expect(await source.closed.wait(), "the sink noticed the client leave with no write of its own")
            #expect(source.live?.isOpen == false)
            #expect(source.live?.send(ServerSentEvent(data: "late")) == false)
            #expect(await eventually { server.server.eventStreamCount == 0 && server.server.connectionCount == 0 })
        }
    }

    @Test func aClientThatReadsSlowlyGetsEveryByteInOrderWithoutTheSourceEverWaiting() async throws {
        let source = Source()
        try await TestHTTPServer.run { routes in
            Self.route(&routes, source, pendingLimit: 64 * 1024 * 1024)
        } test: { server in
            let (client, sink) = try await Self.open(server, source)
            // 8 MiB in 4 KiB events, sent at once: far more than the socket buffers take.
            let events = 2048
            let started = TestClock.now
            for n in 0..<events {
                let line = String(repeating: Character(UnicodeScalar(UInt8(65 + n % 26))), count: 4090)
                #expect(sink.send(Array("\(line)\n\n".utf8)))
            }
            #expect(TestClock.seconds(since: started) < 5, "send never waits for the client")
            sink.finish()
            var received = 0
            var expected = 0
            var carry: [UInt8] = []
            while let chunk = try await client.readChunk(timeout: 10) {
                carry += chunk
                while carry.count >= 4092 {
                    let letter = UInt8(65 + expected % 26)
                    #expect(carry[0] == letter && carry[4089] == letter && carry[4090] == 0x0A, "event \(expected) in order")
                    carry.removeFirst(4092)
                    expected += 1
                }
                received += chunk.count
                try? await Task.sleep(for: .microseconds(200))  // a slow reader
            }
            #expect(received == events * 4092)
            #expect(expected == events)
        }
    }

    @Test func aClientTooFarBehindIsDroppedInsteadOfHoldingMemory() async throws {
        let source = Source()
        try await TestHTTPServer.run { routes in
            Self.route(&routes, source, pendingLimit: 64 * 1024)
        } test: { server in
            let (client, sink) = try await Self.open(server, source)
            // A client that reads nothing: the kernel's buffers fill, then the queue passes its limit.
            var accepted = 0
            let frame = Array(String(repeating: "x", count: 16 * 1024 - 2).utf8) + [0x0A, 0x0A]
            while accepted < 4096, sink.send(frame) { accepted += 1 }
            #expect(accepted < 4096, "dropped once the queue passed its limit")
            #expect(await source.closed.wait())
            #expect(!sink.isOpen)
            await expectServerCloses(client, timeout: 10)
        }
    }

    @Test func shutdownEndsALiveSinkWithTheLastChunk() async throws {
        let source = Source()
        let server = try TestHTTPServer(limits: .test { $0.shutdownGracePeriod = 5 }) { routes in
            Self.route(&routes, source)
        }
        let client = try await server.connect()
        try await client.send(Wire.request("GET", "/sink"))
        _ = try await client.readResponseHead()
        #expect(await eventually { source.live != nil })
        source.live?.send(ServerSentEvent(data: "before"))
        #expect(try await client.readChunk() == Array("data: before\n\n".utf8))
        await server.shutdown()
        #expect(try await client.readChunk() == nil)
        #expect(await source.closed.wait())
    }

    @Test func anHTTP10ClientGetsTheEventsUnchunkedUntilTheConnectionCloses() async throws {
        let source = Source()
        try await TestHTTPServer.run { routes in
            Self.route(&routes, source) { sink in try await sink.write(ServerSentEvent(id: "1", data: "replayed")) }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/sink", version: "HTTP/1.0"))
            #expect(await eventually { source.live != nil })
            source.live?.send(ServerSentEvent(id: "2", data: "live"))
            source.live?.finish()
            let text = String(decoding: try await client.readUntilClose(), as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200"), "\(text)")
            #expect(!text.lowercased().contains("transfer-encoding"), "no chunked coding for HTTP/1.0")
            #expect(text.hasSuffix("\r\n\r\nid: 1\ndata: replayed\n\nid: 2\ndata: live\n\n"), "\(text)")
            #expect(await source.closed.wait())
        }
    }

    @Test func aHeadRequestGetsTheHeadAloneAndNoStream() async throws {
        let source = Source()
        try await TestHTTPServer.run { routes in
            commonRoutes(&routes)
            Self.route(&routes, source)
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("HEAD", "/sink"))
            let head = try await client.readResponseHead()
            #expect(head.status == 200)
            #expect(head["Content-Type"] == "text/event-stream; charset=utf-8")
            try await client.send(Wire.request("GET", "/hello"))
            #expect(try await client.readResponse().status == 200, "kept alive: no body came after the head")
            #expect(source.live == nil, "nothing was attached")
            #expect(server.server.eventStreamCount == 0)
        }
    }
}
