import Testing
import WharfHTTP
import WharfIO
import WharfTestSupport
import WharfWire

/// Keep-alive, pipelining, split input, request bodies and `Expect: 100-continue` over real sockets.
@Suite struct HTTPConnectionTests {
    @Test func pipelinedRequestsInOneWriteAreAnsweredInOrder() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let client = try await server.connect()
            try await client.send(
                Wire.request("GET", "/path/one") + Wire.request("POST", "/echo", body: Array("two".utf8))
                    + Wire.request("GET", "/path/three?x=3") + Wire.request("HEAD", "/hello") + Wire.request("GET", "/path/five"))
            #expect(try await client.readResponse().text == "/path/one")
            #expect(try await client.readResponse().text == "two")
            #expect(try await client.readResponse().text == "/path/three?x=3")
            let head = try await client.readResponse(forHEAD: true)
            #expect(head.status == 200 && head["Content-Length"] == "6")
            #expect(try await client.readResponse().text == "/path/five")
            await expectStaysOpen(client)
        }
    }

    @Test func manyPipelinedRequestsAreAllAnswered() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let client = try await server.connect()
            let count = 200
            try await client.send((0..<count).flatMap { Wire.request("GET", "/path/\($0)") })
            for index in 0..<count {
                #expect(try await client.readResponse().text == "/path/\(index)")
            }
        }
    }

    @Test func requestSplitAcrossManyWritesIsServed() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let client = try await server.connect()
            let request = Wire.request("POST", "/echo", headers: [("X-Long", String(repeating: "h", count: 50))], body: Array("split body".utf8))
            var offset = 0
            var size = 1
            while offset < request.count {
                let end = min(offset + size, request.count)
                try await client.send(Array(request[offset..<end]))
                offset = end
                size = size % 3 + 1
                _ = await client.waitForData(timeout: 0.002)  // pace the writes so the server sees them apart
            }
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "split body")
        }
    }

    @Test func requestArrivingWhileTheLastOneIsAnsweredIsServedOnce() async throws {
        // The second request lands while the first is in the handler, so its readable edge arrives
        // while nobody waits on the socket; it must be served exactly once and the connection must
        // go on working.
        let gate = AsyncSignal()
        let entered = AsyncSignal()
        let calls = Locked(0)
        try await TestHTTPServer.run { routes in
            commonRoutes(&routes)
            routes.add(.get, "/gate", permission: .test) { _, _ in
                entered.fire()
                _ = await gate.wait(timeout: 5)
                return .text("gated")
            }
            routes.add(.get, "/count", permission: .test) { _, _ in .text("\(calls.withLock { $0 += 1; return $0 })") }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/gate"))
            #expect(await entered.wait())
            try await client.send(Wire.request("GET", "/count"))
            _ = await client.waitForData(timeout: 0.05)  // give the edge time to land
            gate.fire()
            #expect(try await client.readResponse().text == "gated")
            #expect(try await client.readResponse().text == "1")
            for round in 2...5 {
                try await client.send(Wire.request("GET", "/count"))
                #expect(try await client.readResponse().text == "\(round)")
            }
            await expectStaysOpen(client)
            #expect(calls.value == 5)
        }
    }

    @Test func http11KeepsAliveByDefault() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let client = try await server.connect()
            for _ in 0..<3 {
                try await client.send(Wire.request("GET", "/hello"))
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(!response.announcesClose)
            }
            await expectStaysOpen(client)
        }
    }

    @Test func http11ClosesWithConnectionClose() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/hello", headers: [("Connection", "close")]))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.announcesClose)
            await expectServerCloses(client)
        }
    }

    @Test func http10ClosesByDefault() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/hello", version: "HTTP/1.0"))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.version == "HTTP/1.1")
            #expect(response.announcesClose)
            await expectServerCloses(client)
        }
    }

    @Test func http10KeepsAliveWithConnectionKeepAlive() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let client = try await server.connect()
            for _ in 0..<2 {
                try await client.send(Wire.request("GET", "/hello", version: "HTTP/1.0", headers: [("Connection", "keep-alive")]))
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response["Connection"]?.lowercased() == "keep-alive")
            }
            await expectStaysOpen(client)
        }
    }

    @Test func connectionClosesAfterMaxRequestsPerConnection() async throws {
        try await TestHTTPServer.run(limits: .test { $0.maxRequestsPerConnection = 3 }, routes: commonRoutes) { server in
            let client = try await server.connect()
            for index in 1...3 {
                try await client.send(Wire.request("GET", "/hello"))
                let response = try await client.readResponse()
                #expect(response.announcesClose == (index == 3))
            }
            await expectServerCloses(client)
        }
    }

    @Test func expectContinueGets100BeforeTheBodyThenTheResponse() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let client = try await server.connect()
            try await client.send(Wire.request("POST", "/echo", headers: [("Content-Length", "5"), ("Expect", "100-continue")]))
            let interim = try await client.readResponse()
            #expect(interim.status == 100)
            #expect(interim.rawHead == Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
            try await client.send("hello")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "hello")
            try await client.send(Wire.request("GET", "/hello"))
            #expect(try await client.readResponse().status == 200, "the connection is still usable")
        }
    }

    @Test func expectContinueNotAnsweredWhenTheHandlerIgnoresTheBodyThenCloses() async throws {
        try await TestHTTPServer.run { routes in
            routes.add(.post, "/ignore", permission: .test) { _, _ in .text("ignored") }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("POST", "/ignore", headers: [("Content-Length", "5"), ("Expect", "100-continue")]))
            let response = try await client.readResponse()
            #expect(response.status == 200, "no 100 Continue for a body nobody reads")
            #expect(response.announcesClose, "the body was never sent, so the connection cannot be reused")
            await expectServerCloses(client)
        }
    }

    @Test func unreadSmallBodyIsDrainedAndTheConnectionKeptAlive() async throws {
        try await TestHTTPServer.run { routes in
            commonRoutes(&routes)
            routes.add(.post, "/ignore", permission: .test) { _, _ in .text("ignored") }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("POST", "/ignore", body: pattern(5000)) + Wire.request("GET", "/hello"))
            #expect(try await client.readResponse().text == "ignored")
            #expect(try await client.readResponse().text == "hello\n")
        }
    }

    @Test func requestsAfterConnectionCloseAreNotServed() async throws {
        let calls = Locked(0)
        try await TestHTTPServer.run { routes in
            routes.add(.get, "/count", permission: .test) { _, _ in .text("\(calls.withLock { $0 += 1; return $0 })") }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/count", headers: [("Connection", "close")]) + Wire.request("GET", "/count"))
            let response = try await client.readResponse()
            #expect(response.text == "1")
            #expect(response.announcesClose)
            #expect(try await client.readUntilClose().isEmpty, "a second response followed Connection: close")
            #expect(calls.value == 1)
        }
    }

    @Test(arguments: [2 * 1024, 2 * 1024 * 1024])
    func bodyThatLooksLikeRequestsIsNeverServedAsRequests(_ size: Int) async throws {
        // A handler that ignores its body: the server drains a small one and closes on a large one,
        // but never parses body bytes as the next request.
        let smuggled = Locked(0)
        try await TestHTTPServer.run(ownLoop: true) { routes in
            commonRoutes(&routes)
            routes.add(.post, "/ignore", permission: .test, maxBodyBytes: 4 * 1024 * 1024) { _, _ in .text("ignored") }
            routes.add(.get, "/smuggled", permission: .test) { _, _ in
                smuggled.withLock { $0 += 1 }
                return .text("smuggled")
            }
        } test: { server in
            let client = try await server.connect()
            let fake = Wire.request("GET", "/smuggled")
            var body: [UInt8] = []
            while body.count + fake.count <= size { body += fake }
            body += [UInt8](repeating: 0x0A, count: size - body.count)
            let sender = Task { try? await client.send(Wire.request("POST", "/ignore", body: body) + Wire.request("GET", "/hello"), timeout: 3) }
            #expect(try await client.readResponse().text == "ignored")
            // Small body: drained, and the real next request is answered. Large: the connection closes.
            if let next = try? await client.readResponse() {
                #expect(next.text == "hello\n")
            }
            _ = await sender.value
            await client.close()
            #expect(smuggled.value == 0, "bytes of a body were served as a request")
        }
    }

    @Test func stalledBodyGets408AndClose() async throws {
        try await TestHTTPServer.run(limits: .test { $0.bodyReadTimeout = 0.3 }, routes: commonRoutes) { server in
            let client = try await server.connect()
            let start = TestClock.now  // before the server can start waiting for the rest
            try await client.send(Wire.request("POST", "/echo", headers: [("Content-Length", "100")]) + Array("only ten..".utf8))
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(response.announcesClose)
            #expect(TestClock.seconds(since: start) >= 0.29)
            await expectServerCloses(client)
        }
    }

    @Test func clientThatStopsReadingIsDroppedAfterTheWriteTimeout() async throws {
        let big = pattern(32 * 1024 * 1024)
        try await TestHTTPServer.run(limits: .test { $0.writeTimeout = 0.3 }, ownLoop: true) { routes in
            routes.add(.get, "/big", permission: .test) { _, _ in HTTPResponse(body: .bytes(big)) }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/big"))
            #expect(await client.waitForData(timeout: 5))
            // The client reads nothing more; the server gives up instead of holding the connection.
            #expect(await eventually(timeout: 5) { server.server.connectionCount == 0 })
        }
    }

    @Test func chunkedRequestBodyWithExtensionsAndTrailersIsDecoded() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let client = try await server.connect()
            let body = Array("5;name=value\r\nhello\r\n6 ; x\r\n world\r\n0;end\r\nX-Checksum: abc\r\nX-More: 1\r\n\r\n".utf8)
            try await client.send(Wire.request("POST", "/echo", headers: [("Transfer-Encoding", "chunked")], body: body)
                + Wire.request("GET", "/path/after"))
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "hello world")
            #expect(try await client.readResponse().text == "/path/after", "trailers were consumed, the next request parses")
        }
    }

    @Test func chunkedRequestBodyArrivingInPiecesIsDecoded() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let client = try await server.connect()
            let data = pattern(3000)
            let request = Wire.request("POST", "/echo", headers: [("Transfer-Encoding", "chunked")], body: Wire.chunked(data, size: 700))
            var offset = 0
            while offset < request.count {
                let end = min(offset + 97, request.count)
                try await client.send(Array(request[offset..<end]))
                offset = end
                _ = await client.waitForData(timeout: 0.001)
            }
            #expect(try await client.readResponse().body == data)
        }
    }

    /// Chunks that arrived together reach the handler as one array (the Go client's 32 KiB
    /// chunks of a build context: one array, one write to the engine, per read rather than per
    /// chunk), and the request after the body is still served.
    @Test func chunksReadTogetherAreHandedOutTogether() async throws {
        let data = pattern(32 * 1024)
        let pieces = Locked<[Int]>([])
        try await TestHTTPServer.run(ownLoop: true) { routes in
            routes.add(.post, "/pieces", permission: .test) { request, _ in
                var received: [UInt8] = []
                for try await chunk in request.body {
                    pieces.withLock { $0.append(chunk.count) }
                    received += chunk
                }
                return .text(received == data ? "same" : "different")
            }
            commonRoutes(&routes)
        } test: { server in
            let client = try await server.connect()
            let body = Wire.chunked(data, size: 512)
            try await client.send(Wire.request("POST", "/pieces", headers: [("Transfer-Encoding", "chunked")], body: body)
                + Wire.request("GET", "/path/after"))
            #expect(try await client.readResponse().text == "same")
            #expect(try await client.readResponse().text == "/path/after")
            #expect(pieces.value.count <= 2, "64 chunks of 512 bytes in one write came as \(pieces.value)")
        }
    }

    @Test func truncatedBodyClosesWithoutAnAnswer() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let client = try await server.connect()
            try await client.send(Wire.request("POST", "/echo", headers: [("Content-Length", "100")]) + Array("only some".utf8))
            await client.shutdownWrite()
            let rest = try await client.readUntilClose()
            // The handler's collect fails with a truncated body; there is nobody left to answer, or a 400.
            let text = String(decoding: rest, as: UTF8.self)
            #expect(rest.isEmpty || text.hasPrefix("HTTP/1.1 400"), "\(text)")
        }
    }

    @Test func largeRequestBodyIsStreamedInBoundedChunks() async throws {
        let total = 64 * 1024 * 1024
        let stats = Locked((bytes: 0, largest: 0, chunks: 0, misplaced: 0))
        try await TestHTTPServer.run(ownLoop: true) { routes in
            routes.add(.post, "/sink", permission: .test, maxBodyBytes: 128 * 1024 * 1024) { request, _ in
                for try await chunk in request.body {
                    stats.withLock { s in
                        // Spot-check that each chunk carries the bytes of its place in the stream.
                        if let first = chunk.first, let last = chunk.last,
                           first != UInt8(truncatingIfNeeded: s.bytes) || last != UInt8(truncatingIfNeeded: s.bytes + chunk.count - 1) {
                            s.misplaced += 1
                        }
                        s.bytes += chunk.count
                        s.largest = max(s.largest, chunk.count)
                        s.chunks += 1
                    }
                }
                return .text("\(stats.value.bytes)")
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("POST", "/sink", headers: [("Content-Length", String(total))]))
            let piece = pattern(1024 * 1024)  // 1 MiB is a multiple of 256: the same piece continues the pattern
            for _ in 0..<(total / piece.count) { try await client.send(piece, timeout: 20) }
            let response = try await client.readResponse(timeout: 20)
            #expect(response.text == String(total))
            let seen = stats.value
            #expect(seen.bytes == total)
            // A Content-Length body is read in place, 256 KiB at most (ConnectionBody.inPlaceReadSize).
            #expect(seen.largest <= 256 * 1024, "the handler was given a chunk of \(seen.largest) bytes")
            #expect(seen.chunks >= total / (256 * 1024))
            #expect(seen.misplaced == 0)
        }
    }

    /// A client that sends a long body a few bytes at a time gets each piece handed out in an
    /// array about its size, not in a 256 KiB read's: what a handler keeps stays small.
    @Test func aSlowClientsSmallPiecesComeInArraysOfTheirSize() async throws {
        let stats = Locked((bytes: 0, chunks: 0, largestCapacity: 0))
        try await TestHTTPServer.run(ownLoop: true) { routes in
            routes.add(.post, "/sink", permission: .test, maxBodyBytes: 16 * 1024 * 1024) { request, _ in
                for try await chunk in request.body {
                    stats.withLock { s in
                        s.bytes += chunk.count
                        s.chunks += 1
                        s.largestCapacity = max(s.largestCapacity, chunk.capacity)
                    }
                    if stats.value.bytes >= 1000 { break }
                }
                return .text("\(stats.value.bytes)")
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("POST", "/sink", headers: [("Content-Length", String(8 * 1024 * 1024))]))
            for _ in 0..<10 {
                try await client.send([UInt8](repeating: 0x61, count: 100))
                try await Task.sleep(for: .milliseconds(20))
            }
            _ = try? await client.readResponse(timeout: 5)
            let seen = stats.value
            #expect(seen.bytes >= 1000 && seen.chunks >= 2)
            #expect(seen.largestCapacity < 4096, "a chunk of a slow client kept \(seen.largestCapacity) bytes of capacity")
        }
    }

    @Test func largeChunkedRequestBodyIsStreamedInBoundedChunks() async throws {
        let total = 16 * 1024 * 1024
        let stats = Locked((bytes: 0, largest: 0))
        try await TestHTTPServer.run(ownLoop: true) { routes in
            routes.add(.post, "/sink", permission: .test, maxBodyBytes: 32 * 1024 * 1024) { request, _ in
                for try await chunk in request.body {
                    stats.withLock { s in
                        s.bytes += chunk.count
                        s.largest = max(s.largest, chunk.count)
                    }
                }
                return .text("ok")
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("POST", "/sink", headers: [("Transfer-Encoding", "chunked")]))
            let piece = Wire.chunked(pattern(1024 * 1024), size: 1024 * 1024).dropLast(5)  // one 1 MiB chunk, no last-chunk
            for _ in 0..<(total / (1024 * 1024)) { try await client.send(Array(piece), timeout: 20) }
            try await client.send("0\r\n\r\n")
            #expect(try await client.readResponse(timeout: 20).text == "ok")
            #expect(stats.value.bytes == total)
            #expect(stats.value.largest <= 64 * 1024, "the handler was given a chunk of \(stats.value.largest) bytes")
        }
    }

    @Test func largeFixedResponseArrivesIntact() async throws {
        let body = pattern(8 * 1024 * 1024 + 17)
        try await TestHTTPServer.run(ownLoop: true) { routes in
            routes.add(.get, "/big", permission: .test) { _, _ in HTTPResponse(body: .bytes(body)) }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/big") + Wire.request("GET", "/big"))
            for _ in 0..<2 {
                let response = try await client.readResponse(timeout: 20)
                #expect(response.body.count == body.count)
                #expect(response.body == body)
            }
        }
    }

    @Test func ipv6LoopbackIsServed() async throws {
        try await TestHTTPServer.run(ipv6: true, routes: commonRoutes) { server in
            let client = try await server.connect(ipv6: true)
            try await client.send(Wire.request("GET", "/hello", headers: [("Host", "[::1]")]))
            #expect(try await client.readResponse().text == "hello\n")
        }
    }
}
