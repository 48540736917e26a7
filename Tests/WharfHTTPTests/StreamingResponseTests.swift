import Testing
import WharfHTTP
import WharfIO
import WharfTestSupport
import WharfWire

/// Streamed response bodies: chunked, with a declared length, and what happens when the client leaves.
@Suite struct StreamingResponseTests {
    static func streamRoutes(_ routes: inout RouterBuilder) {
        routes.add(.get, "/chunked", permission: .test) { _, _ in
            HTTPResponse(headers: ["Content-Type": "text/plain"], body: .stream(length: nil) { writer in
                for piece in ["a", "bb", "", "ccc"] { try await writer.write(Array(piece.utf8)) }
            })
        }
        routes.add(.get, "/sized", permission: .test) { _, _ in
            HTTPResponse(body: .stream(length: 6) { writer in
                try await writer.write(Array("abc".utf8))
                try await writer.write(Array("def".utf8))
            })
        }
        routes.add(.get, "/short", permission: .test) { _, _ in
            HTTPResponse(body: .stream(length: 10) { writer in try await writer.write(Array("abc".utf8)) })
        }
        routes.add(.get, "/long", permission: .test) { _, _ in
            HTTPResponse(body: .stream(length: 2) { writer in try await writer.write(Array("abc".utf8)) })
        }
        routes.add(.get, "/failing", permission: .test) { _, _ in
            HTTPResponse(body: .stream(length: nil) { writer in
                try await writer.write(Array("partial".utf8))
                throw HTTPError(.internalServerError, "producer failed")
            })
        }
        routes.add(.get, "/hello", permission: .test) { _, _ in .text("hello\n") }
    }

    @Test func streamWithoutLengthIsSentChunkedOneChunkPerWrite() async throws {
        try await TestHTTPServer.run(routes: Self.streamRoutes) { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/chunked"))
            let response = try await client.readResponse()
            #expect(response.framing == .chunked)
            #expect(response["Content-Length"] == nil)
            #expect(response.chunks == [Array("a".utf8), Array("bb".utf8), Array("ccc".utf8)], "an empty write sends no chunk (it would end the body)")
            #expect(response.text == "abbccc")
            try await client.send(Wire.request("GET", "/hello"))
            #expect(try await client.readResponse().text == "hello\n", "the body ended cleanly; keep-alive goes on")
        }
    }

    @Test func streamWithLengthIsSentWithContentLength() async throws {
        try await TestHTTPServer.run(routes: Self.streamRoutes) { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/sized"))
            let response = try await client.readResponse()
            #expect(response.framing == .contentLength(6))
            #expect(response["Transfer-Encoding"] == nil)
            #expect(response.text == "abcdef")
            try await client.send(Wire.request("GET", "/hello"))
            #expect(try await client.readResponse().text == "hello\n")
        }
    }

    @Test func streamShorterThanItsLengthClosesTheConnection() async throws {
        try await TestHTTPServer.run(routes: Self.streamRoutes) { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/short"))
            let response = try await client.readResponseHead()
            #expect(response.framing == .contentLength(10))
            let rest = try await client.readUntilClose()
            #expect(rest == Array("abc".utf8), "the client sees a truncated body, never a next response")
        }
    }

    @Test func streamLongerThanItsLengthIsCutAndClosed() async throws {
        try await TestHTTPServer.run(routes: Self.streamRoutes) { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/long"))
            let head = try await client.readResponseHead()
            #expect(head.framing == .contentLength(2))
            let rest = try await client.readUntilClose()
            #expect(rest.count <= 2, "more bytes than Content-Length went out: \(rest)")
            #expect(server.errorMessages.contains { $0.contains("declared length") })
        }
    }

    @Test func producerThatFailsLeavesTheChunkedBodyUnterminatedAndCloses() async throws {
        try await TestHTTPServer.run(routes: Self.streamRoutes) { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/failing"))
            _ = try await client.readResponseHead()
            #expect(try await client.readChunk() == Array("partial".utf8))
            // No terminating chunk: a client must not take a failed stream for a complete one.
            let rest = try await client.readUntilClose()
            #expect(rest.isEmpty, "\(String(decoding: rest, as: UTF8.self).debugDescription)")
        }
    }

    @Test func http10ClientGetsAStreamDelimitedByClose() async throws {
        try await TestHTTPServer.run(routes: Self.streamRoutes) { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/chunked", version: "HTTP/1.0", headers: [("Connection", "keep-alive")]))
            let response = try await client.readResponse()
            #expect(response.framing == .untilClose, "HTTP/1.0 has no chunked coding")
            #expect(response.announcesClose)
            #expect(response.text == "abbccc")
        }
    }

    @Test func headOfAStreamSendsHeadersOnlyAndNeverRunsTheProducer() async throws {
        let ran = AsyncSignal()
        try await TestHTTPServer.run { routes in
            Self.streamRoutes(&routes)
            routes.add(.get, "/watched", permission: .test) { _, _ in
                HTTPResponse(body: .stream(length: nil) { writer in
                    ran.fire()
                    try await writer.write([1])
                })
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("HEAD", "/watched") + Wire.request("GET", "/hello"))
            let head = try await client.readResponse(forHEAD: true)
            #expect(head.status == 200)
            #expect(try await client.readResponse().text == "hello\n", "no body followed the HEAD response")
            #expect(!ran.isFired)
        }
    }

    @Test func clientLeavingMidStreamCancelsTheProducerAndReleasesWhatItHeld() async throws {
        let cancelled = AsyncSignal()
        let released = AsyncSignal()
        let producing = AsyncSignal()
        try await TestHTTPServer.run { routes in
            routes.add(.get, "/follow", permission: .test) { _, _ in
                let resource = DeinitProbe(released)  // held by the producer only
                return HTTPResponse(body: .stream(length: nil) { writer in
                    try await writer.write(Array("first".utf8))
                    producing.fire()
                    // Waits for events that never come; only cancellation ends the wait.
                    let (events, continuation) = AsyncStream<Int>.makeStream()
                    for await _ in events {}
                    continuation.finish()  // keeps the continuation (and so the stream) alive until here
                    if Task.isCancelled { cancelled.fire() }
                    withExtendedLifetime(resource) {}
                    try Task.checkCancellation()
                })
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/follow"))
            let head = try await client.readResponseHead()
            #expect(head.framing == .chunked)
            #expect(try await client.readChunk() == Array("first".utf8))
            #expect(await producing.wait())
            await client.close()
            #expect(await cancelled.wait(), "the producer was not cancelled when the client left")
            #expect(await released.wait(), "what the producer held was never released")
            #expect(await eventually { server.server.connectionCount == 0 })
        }
    }

    @Test func clientLeavingWhileTheProducerIsBlockedWritingCancelsIt() async throws {
        let finished = AsyncSignal()
        let outcome = Locked<String>("")
        try await TestHTTPServer.run(limits: .test { $0.writeTimeout = 10 }) { routes in
            routes.add(.get, "/flood", permission: .test) { _, _ in
                HTTPResponse(body: .stream(length: nil) { writer in
                    defer { finished.fire() }
                    let block = [UInt8](repeating: 0x61, count: 64 * 1024)
                    do {
                        while true { try await writer.write(block) }  // the client stops reading: writes block
                    } catch {
                        outcome.withLock { $0 = "\(type(of: error))" }
                        throw error
                    }
                })
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/flood"))
            _ = try await client.readResponseHead()
            _ = try await client.readChunk()
            await client.close()
            #expect(await finished.wait(timeout: 5), "the producer kept writing to a client that left")
            #expect(!outcome.value.isEmpty)
        }
    }
}
