import Testing
import WharfHTTP
import WharfIO
import WharfTestSupport
import WharfWire

/// A client's FIN after a complete request, for ordinary responses: "no more input", where the
/// server can tell a half-closed client from a gone one (event streams probe), and "gone" where it
/// cannot (any other stream). See ARCHITECTURE.md, "Half-close".
@Suite struct HalfCloseStreamTests {
    @Test func aFixedResponseIsSentInFullToAClientThatHalfClosed() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let client = try await server.connect()
            try await client.send(Wire.request("POST", "/echo", body: pattern(100_000)))
            await client.shutdownWrite()
            let response = try await client.readResponse()
            #expect(response.body == pattern(100_000))
            await expectServerCloses(client, "after the answer, end of input ends the connection")
        }
    }

    @Test func anEventStreamGoesOnAfterTheClientsFIN() async throws {
        let finSeen = AsyncSignal()
        let cancelled = AsyncSignal()
        try await TestHTTPServer.run { routes in
            routes.add(.get, "/events", permission: .test) { _, _ in
                .eventStream(heartbeat: .seconds(1)) { stream in
                    do {
                        try await stream.send(ServerSentEvent(data: "before"))
                        _ = await finSeen.wait(timeout: 5)
                        try await Task.sleep(for: .milliseconds(200))  // the FIN has reached the server
                        try await stream.send(ServerSentEvent(data: "after"))
                        try await Task.sleep(for: .seconds(30))
                    } catch {
                        if error is CancellationError { cancelled.fire() }
                        throw error
                    }
                }
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/events"))
            await client.shutdownWrite()
            #expect(try await client.readResponseHead().status == 200)
            #expect(try await client.readChunk() == Array("data: before\n\n".utf8))
            finSeen.fire()
            // The probe (an empty comment line) and the next event: the stream was not cancelled.
            var chunks: [[UInt8]] = []
            while chunks.last != Array("data: after\n\n".utf8), let chunk = try await client.readChunk() {
                if chunk != Array(": heartbeat\n\n".utf8) { chunks.append(chunk) }
            }
            #expect(chunks == [Array(":\n".utf8), Array("data: after\n\n".utf8)])
            #expect(!cancelled.isFired)
            // Now the client goes. Having sent its FIN already, its close sends nothing: the next
            // write (here the heartbeat) meets a reset, and the stream ends.
            await client.close()
            #expect(await cancelled.wait(timeout: 5), "a client that left was not noticed")
            #expect(await eventually { server.server.connectionCount == 0 })
        }
    }

    @Test func aClientThatClosesDuringAnEventStreamIsNoticedWithinARoundTrip() async throws {
        let cancelled = AsyncSignal()
        let sent = AsyncSignal()
        try await TestHTTPServer.run { routes in
            routes.add(.get, "/events", permission: .test) { _, _ in
                .eventStream(heartbeat: .seconds(60)) { stream in
                    try await stream.send(ServerSentEvent(data: "one"))
                    sent.fire()
                    do { try await Task.sleep(for: .seconds(30)) } catch { cancelled.fire(); throw error }
                }
            }
        } test: { server in
            for _ in 0..<20 {  // followers come and go
                let client = try await server.connect()
                try await client.send(Wire.request("GET", "/events"))
                _ = try await client.readResponseHead()
                _ = try await client.readChunk()
                await client.close()
            }
            #expect(await sent.wait())
            #expect(await cancelled.wait(timeout: 5))
            #expect(await eventually { server.server.connectionCount == 0 }, "a follower's stream outlived its client")
        }
    }

    @Test func aPlainStreamIsCancelledByTheClientsFIN() async throws {
        let cancelled = AsyncSignal()
        try await TestHTTPServer.run { routes in
            routes.add(.get, "/follow", permission: .test) { _, _ in
                HTTPResponse(body: .stream(length: nil) { writer in
                    try await writer.write(Array("first".utf8))
                    do { try await Task.sleep(for: .seconds(30)) } catch { cancelled.fire(); throw error }
                })
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/follow"))
            _ = try await client.readResponseHead()
            #expect(try await client.readChunk() == Array("first".utf8))
            // No byte of an arbitrary body can probe the client, and a long poll whose client
            // left must not hold what it holds (an engine connection) until its next byte.
            await client.shutdownWrite()
            #expect(await cancelled.wait(timeout: 5))
        }
    }
}
