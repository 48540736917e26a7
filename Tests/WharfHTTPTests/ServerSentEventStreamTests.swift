import Testing
import WharfHTTP
import WharfIO
import WharfTestSupport
import WharfWire

/// `HTTPResponse.eventStream` over a real socket: framing, flushing, heartbeats, `Last-Event-ID`.
@Suite struct ServerSentEventStreamTests {
    /// Reads chunks until one that is not a heartbeat comment.
    static func nextEvent(_ client: RawHTTPClient, heartbeats: inout Int) async throws -> String? {
        while let chunk = try await client.readChunk() {
            let text = String(decoding: chunk, as: UTF8.self)
            if text == ": heartbeat\n\n" {
                heartbeats += 1
                continue
            }
            return text
        }
        return nil
    }

    @Test func eventsAreFramedAndEachArrivesBeforeTheNextIsProduced() async throws {
        let second = AsyncSignal()
        let lastEventID = Locked<String?>(nil)
        try await TestHTTPServer.run { routes in
            routes.add(.get, "/events", permission: .test) { request, _ in
                lastEventID.withLock { $0 = request.lastEventID }
                return .eventStream(heartbeat: .seconds(60)) { stream in
                    try await stream.send(ServerSentEvent(id: "43", event: "progress", data: "line one\nline two", retry: 2500))
                    _ = await second.wait(timeout: 5)  // the next event exists only after the test saw the first
                    try await stream.send(ServerSentEvent(data: "done"))
                }
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/events", headers: [("Accept", "text/event-stream"), ("Last-Event-ID", "42")]))
            let head = try await client.readResponseHead()
            #expect(head.status == 200)
            #expect(head["Content-Type"] == "text/event-stream; charset=utf-8")
            #expect(head["Cache-Control"] == "no-cache")
            #expect(head.framing == .chunked)
            var heartbeats = 0
            let first = try await Self.nextEvent(client, heartbeats: &heartbeats)
            #expect(first == "id: 43\nevent: progress\nretry: 2500\ndata: line one\ndata: line two\n\n")
            #expect(!second.isFired, "the first event arrived on its own")
            #expect(server.server.eventStreamCount == 1, "an open stream counts (for /metrics)")
            second.fire()
            #expect(try await Self.nextEvent(client, heartbeats: &heartbeats) == "data: done\n\n")
            #expect(try await client.readChunk() == nil, "the stream ends with the last chunk when the producer returns")
            #expect(await eventually { server.server.eventStreamCount == 0 }, "an ended stream no longer counts")
            #expect(lastEventID.value == "42")
            try await client.send(Wire.request("GET", "/events"))
            #expect(try await client.readResponseHead().status == 200, "keep-alive continues after a finished stream")
            second.fire()
        }
    }

    @Test func heartbeatCommentsArriveWhileNothingElseHappens() async throws {
        let stop = AsyncSignal()
        try await TestHTTPServer.run { routes in
            routes.add(.get, "/quiet", permission: .test) { _, _ in
                .eventStream(heartbeat: .milliseconds(50)) { _ in _ = await stop.wait(timeout: 5) }
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/quiet"))
            _ = try await client.readResponseHead()
            let start = TestClock.now
            for _ in 0..<3 {
                #expect(try await client.readChunk(timeout: 2) == Array(": heartbeat\n\n".utf8))
            }
            #expect(TestClock.seconds(since: start) < 2)
            stop.fire()
            var heartbeats = 0
            #expect(try await Self.nextEvent(client, heartbeats: &heartbeats) == nil)
        }
    }

    @Test func clientLeavingEndsTheProducer() async throws {
        let ended = AsyncSignal()
        try await TestHTTPServer.run { routes in
            routes.add(.get, "/live", permission: .test) { _, _ in
                .eventStream(heartbeat: .seconds(60)) { stream in
                    defer { ended.fire() }
                    var counter = 0
                    while true {
                        counter += 1
                        try await stream.send(ServerSentEvent(id: "\(counter)", data: "tick"))
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/live"))
            _ = try await client.readResponseHead()
            #expect(try await client.readChunk() == Array("id: 1\ndata: tick\n\n".utf8))
            await client.close()
            #expect(await ended.wait(), "the producer kept running after the client left")
        }
    }
}
