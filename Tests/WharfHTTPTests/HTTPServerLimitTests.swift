import Testing
import WharfHTTP
import WharfIO
import WharfTestSupport
import WharfWire

/// Every limit and every malformed request gets its precise status, and every answer that
/// closes really closes. Over real sockets.
@Suite struct HTTPServerLimitTests {
    /// Sends `request` on a new connection; expects `status`, `Connection: close` and a closed connection.
    /// - Returns: seconds from sending the request to having the whole answer.
    @discardableResult
    static func expectRefused(
        _ request: [UInt8], status: Int, limits: HTTPLimits = TestHTTPServer.limits,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Double {
        try await TestHTTPServer.run(limits: limits, routes: commonRoutes) { server in
            let client = try await server.connect()
            let start = TestClock.now
            try? await client.send(request)
            let response = try await client.readResponse()
            let elapsed = TestClock.seconds(since: start)
            #expect(response.status == status, "\(response)", sourceLocation: sourceLocation)
            #expect(response.announcesClose, sourceLocation: sourceLocation)
            #expect(response["X-Content-Type-Options"] == "nosniff", sourceLocation: sourceLocation)
            await expectServerCloses(client, sourceLocation: sourceLocation)
            return elapsed
        }
    }

    @Test func requestLineOver8KiBIs414() async throws {
        try await Self.expectRefused(Wire.request("GET", "/hello?" + String(repeating: "q", count: 8 * 1024)), status: 414)
    }

    @Test func requestLineOver8KiBIs414BeforeItEnds() async throws {
        try await Self.expectRefused(Array(("GET /" + String(repeating: "q", count: 9 * 1024)).utf8), status: 414)
    }

    @Test func headerBlockOver32KiBIs431() async throws {
        let headers = (0..<40).map { ("X-Filler-\($0)", String(repeating: "f", count: 1000)) }
        try await Self.expectRefused(Wire.request("GET", "/hello", headers: headers), status: 431)
    }

    @Test func over100HeaderLinesIs431() async throws {
        let headers = (0..<101).map { ("X-\($0)", "v") }
        try await Self.expectRefused(Wire.request("GET", "/hello", headers: headers), status: 431)
    }

    @Test func exactly100HeaderLinesIsServed() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let headers = (0..<99).map { ("X-\($0)", "v") }  // plus Host
            let response = try await server.response(to: Wire.request("GET", "/hello", headers: headers))
            #expect(response.status == 200)
        }
    }

    @Test func contentLengthWithTransferEncodingIs400() async throws {
        try await Self.expectRefused(
            Wire.request("POST", "/echo", headers: [("Content-Length", "5"), ("Transfer-Encoding", "chunked")], body: Array("0\r\n\r\n".utf8)),
            status: 400)
    }

    @Test func twoDifferentContentLengthsIs400() async throws {
        try await Self.expectRefused(
            Wire.request("POST", "/echo", headers: [("Content-Length", "5"), ("Content-Length", "7")], body: Array("hello".utf8)),
            status: 400)
    }

    @Test func transferCodingOtherThanChunkedIs400() async throws {
        try await Self.expectRefused(
            Wire.request("POST", "/echo", headers: [("Transfer-Encoding", "gzip")], body: Array("x".utf8)), status: 400)
    }

    @Test func badChunkSizeIs400() async throws {
        try await Self.expectRefused(
            Wire.request("POST", "/echo", headers: [("Transfer-Encoding", "chunked")], body: Array("zz\r\nhello\r\n0\r\n\r\n".utf8)),
            status: 400)
    }

    @Test(arguments: [
        "5;a@b\r\nhello\r\n0\r\n\r\n",  // an extension name that is not a token
        "5;a=\"open\r\nhello\r\n0\r\n\r\n",  // an unterminated quoted value
        "5;=v\r\nhello\r\n0\r\n\r\n",  // a value without a name
        "5 junk\r\nhello\r\n0\r\n\r\n",  // text after the size that is not ;name
        "5;a=b c\r\nhello\r\n0\r\n\r\n",  // two words as a value
    ])
    func chunkExtensionThatIsNotNameEqualsValueIs400(_ body: String) async throws {
        try await Self.expectRefused(
            Wire.request("POST", "/echo", headers: [("Transfer-Encoding", "chunked")], body: Array(body.utf8)), status: 400)
    }

    @Test func wellFormedChunkExtensionsAreAcceptedAndIgnored() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let body = "5;name=value;flag\r\nhello\r\n1 ; q = \"a \\\" b\"\r\n!\r\n0\r\n\r\n"
            let response = try await server.response(
                to: Wire.request("POST", "/echo", headers: [("Transfer-Encoding", "chunked")], body: Array(body.utf8)))
            #expect(response.status == 200)
            #expect(response.text == "hello!")
        }
    }

    @Test(arguments: ["0\r\nX-No-Colon\r\n\r\n", "0\r\nX : v\r\n\r\n", "0\r\n folded\r\n\r\n"])
    func trailerLineThatIsNotAFieldIs400(_ trailer: String) async throws {
        try await Self.expectRefused(
            Wire.request("POST", "/echo", headers: [("Transfer-Encoding", "chunked")], body: Array(("3\r\nabc\r\n" + trailer).utf8)),
            status: 400)
    }

    @Test func controlCharacterInAHeaderValueIs400() async throws {
        try await Self.expectRefused(Wire.request("GET", "/hello", headers: [("X-Evil", "a\u{1}b")]), status: 400)
    }

    @Test func bareLFInTheRequestLineIs400() async throws {
        try await Self.expectRefused(Array("GET /hello HTTP/1.1\nHost: a\r\n\r\n".utf8), status: 400)
    }

    @Test func bareLFInTheHeadersIs400() async throws {
        try await Self.expectRefused(Array("GET /hello HTTP/1.1\r\nHost: a\nX: y\r\n\r\n".utf8), status: 400)
    }

    @Test func http2PrefaceIs400() async throws {
        try await Self.expectRefused(Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8), status: 400)
    }

    @Test(arguments: [
        ("binary garbage", [0x00, 0xFF, 0x13, 0x37, 0x0D, 0x0A] as [UInt8]),
        ("a TLS ClientHello", [0x16, 0x03, 0x01, 0x00, 0xF4, 0x01, 0x00, 0x00, 0xF0, 0x03, 0x03] + [UInt8](repeating: 0xAB, count: 32)),
        ("an SSH banner", Array("SSH-2.0-OpenSSH_9.6\r\n".utf8)),
    ])
    func garbageIs400AtOnceNotAfterTheHeaderTimeout(_ name: String, _ bytes: [UInt8]) async throws {
        let elapsed = try await Self.expectRefused(bytes, status: 400, limits: .test { $0.headerTimeout = 10 })
        #expect(elapsed < 2, "\(name) was answered only after \(elapsed) s")
    }

    @Test func unknownMethodIs501() async throws {
        try await Self.expectRefused(Wire.request("BREW", "/hello"), status: 501)
    }

    @Test func knownMethodNotOnTheRouteIs405WithAllowAndKeepsTheConnection() async throws {
        try await TestHTTPServer.run(routes: commonRoutes) { server in
            let client = try await server.connect()
            try await client.send(Wire.request("DELETE", "/hello"))
            let response = try await client.readResponse()
            #expect(response.status == 405)
            #expect(response["Allow"] == "GET, HEAD")
            #expect(!response.announcesClose)
            try await client.send(Wire.request("GET", "/hello"))
            #expect(try await client.readResponse().status == 200)
        }
    }

    @Test func bodyOverTheLimitIs413FromContentLengthBeforeAnyOfItIsSent() async throws {
        let ran = AsyncSignal()
        try await TestHTTPServer.run { routes in
            routes.add(.post, "/upload", permission: .test, maxBodyBytes: 1024) { request, _ in
                ran.fire()
                return .text("stored \(try await request.body.collect(upTo: 1024).count)")
            }
        } test: { server in
            let client = try await server.connect()
            // The client waits for 100 Continue before sending the body; it must get 413 instead.
            try await client.send(Wire.request("POST", "/upload", headers: [
                ("Content-Length", String(10 * 1024 * 1024)), ("Expect", "100-continue"),
            ]))
            let response = try await client.readResponse()
            #expect(response.status == 413, "\(response)")
            #expect(response.announcesClose)
            await expectServerCloses(client)
            #expect(!ran.isFired, "the handler ran")
        }
    }

    @Test func bodyOverTheLimitIs413WithoutWaitingForTheBody() async throws {
        try await TestHTTPServer.run { routes in
            routes.add(.post, "/upload", permission: .test, maxBodyBytes: 10) { _, _ in .text("no") }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("POST", "/upload", headers: [("Content-Length", "11")]))
            let response = try await client.readResponse(timeout: 2)
            #expect(response.status == 413)
            await expectServerCloses(client)
        }
    }

    @Test func chunkedBodyOverTheLimitIs413WhileReading() async throws {
        let seen = Locked(0)
        try await TestHTTPServer.run { routes in
            routes.add(.post, "/upload", permission: .test, maxBodyBytes: 1000) { request, _ in
                for try await chunk in request.body { seen.withLock { $0 += chunk.count } }
                return .text("stored")
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("POST", "/upload", headers: [("Transfer-Encoding", "chunked")],
                                               body: Wire.chunked(pattern(4000), size: 300)))
            let response = try await client.readResponse()
            #expect(response.status == 413, "\(response)")
            #expect(response.announcesClose)
            await expectServerCloses(client)
            #expect(seen.value <= 1000, "the handler got \(seen.value) bytes past a limit of 1000")
        }
    }

    @Test func chunkedBodyOverTheLimitIs413EvenWhenMuchMoreIsStillComing() async throws {
        try await TestHTTPServer.run(ownLoop: true) { routes in
            routes.add(.post, "/upload", permission: .test, maxBodyBytes: 1000) { request, _ in
                .text("stored \(try await request.body.collect(upTo: .max).count)")
            }
        } test: { server in
            let client = try await server.connect()
            // Far more than the socket buffers hold: the server answers with most of it unread.
            let body = Wire.chunked(pattern(8 * 1024 * 1024), size: 64 * 1024)
            let sender = Task { try? await client.send(Wire.request("POST", "/upload", headers: [("Transfer-Encoding", "chunked")], body: body), timeout: 3) }
            let response = try await client.readResponse()
            #expect(response.status == 413, "\(response)")
            await expectServerCloses(client)
            _ = await sender.value
        }
    }

    @Test func slowHeadersGet408AndClose() async throws {
        try await TestHTTPServer.run(limits: .test { $0.headerTimeout = 0.3 }, routes: commonRoutes) { server in
            let client = try await server.connect()
            let request = Wire.request("GET", "/hello", headers: [("X-Padding", String(repeating: "p", count: 40))])
            let start = TestClock.now
            // Slowloris: one byte every 100 ms, each in time, the whole never. Stop at the first answer.
            for byte in request {
                if await client.waitForData(timeout: 0.1) { break }
                try? await client.send([byte])
            }
            let response = try await client.readResponse()
            let elapsed = TestClock.seconds(since: start)
            #expect(response.status == 408)
            #expect(response.announcesClose)
            #expect(elapsed >= 0.25 && elapsed < 3, "408 after \(elapsed) s with a 0.3 s header timeout")
            await expectServerCloses(client)
        }
    }

    @Test func idleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        // The idle sweep runs once a second; 2 s leaves a loaded machine time to send the first
        // request (a client task kept off both cores for over a second closed the connection
        // first with 1 s).
        try await TestHTTPServer.run(limits: .test { $0.keepAliveTimeout = 2 }, routes: commonRoutes) { server in
            let client = try await server.connect()
            let start = TestClock.now  // before the server can have gone idle
            try await client.send(Wire.request("GET", "/hello"))
            #expect(try await client.readResponse().status == 200)
            await expectServerCloses(client, timeout: 6)
            let elapsed = TestClock.seconds(since: start)
            #expect(elapsed >= 1.9, "closed after \(elapsed) s with a 2 s idle timeout")
            #expect(await eventually { server.server.connectionCount == 0 })
        }
    }

    @Test func connectionThatNeverSendsIsClosedAfterTheIdleTimeout() async throws {
        try await TestHTTPServer.run(limits: .test { $0.keepAliveTimeout = 0.3 }, routes: commonRoutes) { server in
            let start = TestClock.now  // before the server can have accepted
            let client = try await server.connect()
            await expectServerCloses(client, timeout: 4)
            #expect(TestClock.seconds(since: start) >= 0.29)
        }
    }

    @Test func connectionOverTheCapGets503AndClose() async throws {
        try await TestHTTPServer.run(limits: .test { $0.maxConnections = 2 }, routes: commonRoutes) { server in
            var held: [RawHTTPClient] = []
            for _ in 0..<2 {
                let client = try await server.connect()
                try await client.send(Wire.request("GET", "/hello"))
                #expect(try await client.readResponse().status == 200)
                held.append(client)
            }
            let third = try await server.connect()
            let refused = try await third.readResponse()
            #expect(refused.status == 503, "\(refused)")
            #expect(refused.announcesClose)
            #expect(refused["Retry-After"] != nil)
            for name in ["Date", "Server", "X-Request-Id"] { #expect(refused[name] != nil, "the refusal has no \(name)") }
            #expect(refused["X-Content-Type-Options"] == "nosniff")
            await expectServerCloses(third)
            // Once one of the two leaves, a new connection is served.
            await held.removeFirst().close()
            #expect(await eventually { server.server.connectionCount < 2 })
            let fourth = try await server.connect()
            try await fourth.send(Wire.request("GET", "/hello"))
            #expect(try await fourth.readResponse().status == 200)
            for client in held { await client.close() }
        }
    }
}
