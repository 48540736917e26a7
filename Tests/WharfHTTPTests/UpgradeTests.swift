import Testing
import WharfHTTP
import WharfIO
import WharfTestSupport
import WharfWire

/// `101 Switching Protocols`: the connection becomes a raw duplex stream owned by the handler,
/// starting with the bytes the client sent right after the request. Over real sockets.
@Suite struct UpgradeTests {
    static let upgradeHeaders: [(String, String)] = [("Connection", "Upgrade"), ("Upgrade", "tcp")]
    static let rawStream = "application/vnd.docker.raw-stream"

    /// `/echo-stream`: echoes every byte, prefixed by nothing; ends its side when the client does.
    static func routes(_ routes: inout RouterBuilder) {
        commonRoutes(&routes)
        routes.add(.post, "/echo-stream", permission: .test) { request, _ in
            guard request.upgradeProtocols == ["tcp"] else { throw HTTPError(.badRequest, "Upgrade: tcp expected") }
            return .switchingProtocols(headers: ["Content-Type": rawStream, "Upgrade": "tcp"]) { client in
                while let bytes = try await client.read() { try await client.write(bytes) }
                await client.shutdownWrite()
            }
        }
    }

    static func upgradeRequest(_ path: String = "/echo-stream", headers: [(String, String)] = [], body: [UInt8]? = nil) -> [UInt8] {
        Wire.request("POST", path, headers: upgradeHeaders + headers, body: body)
    }

    @Test func theHandlerGetsTheBytesSentRightAfterTheRequest() async throws {
        try await TestHTTPServer.run(routes: Self.routes) { server in
            let client = try await server.connect()
            // One send: the server reads the request and the first stream bytes together.
            try await client.send(Self.upgradeRequest() + Array("early bytes".utf8))
            let head = try await client.readResponseHead()
            #expect(head.status == 101)
            #expect(head["Content-Type"] == Self.rawStream)
            #expect(head["Connection"] == "Upgrade")
            #expect(head["Upgrade"] == "tcp")
            #expect(head["Content-Length"] == nil && head["Transfer-Encoding"] == nil, "a 101 has no body framing")
            #expect(head["X-Request-Id"] != nil)
            #expect(String(decoding: try await client.read(11), as: UTF8.self) == "early bytes")
            try await client.send("and later")
            #expect(String(decoding: try await client.read(9), as: UTF8.self) == "and later")
            await client.shutdownWrite()
            #expect(try await client.readUntilClose().isEmpty, "the echo ends its side when the client does")
            #expect(await eventually { server.server.connectionCount == 0 })
        }
    }

    @Test func theHeadArrivesByItselfBeforeTheHandlerWrites() async throws {
        let headRead = AsyncSignal()
        try await TestHTTPServer.run { routes in
            routes.add(.post, "/greet", permission: .test) { _, _ in
                .switchingProtocols(headers: ["Upgrade": "tcp"]) { client in
                    // Writes only once the client has the whole head: the head was not held back
                    // to go out with the first stream bytes.
                    guard await headRead.wait() else { return }
                    try await client.write(Array("hello".utf8))
                    await client.shutdownWrite()
                }
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Self.upgradeRequest("/greet"))
            let head = try await client.readResponseHead()
            #expect(head.status == 101)
            #expect(await client.unreadBytes().isEmpty, "stream bytes came with the head")
            headRead.fire()
            #expect(try await client.readUntilClose() == Array("hello".utf8))
        }
    }

    @Test func upgradesAKeptAliveConnectionAfterOrdinaryRequests() async throws {
        try await TestHTTPServer.run(routes: Self.routes) { server in
            let client = try await server.connect()
            for _ in 0..<2 {
                try await client.send(Wire.request("GET", "/hello"))
                #expect(try await client.readResponse().text == "hello\n")
            }
            try await client.send(Wire.request("POST", "/echo", body: Array("body".utf8)))
            #expect(try await client.readResponse().text == "body")
            try await client.send(Self.upgradeRequest())
            #expect(try await client.readResponseHead().status == 101)
            try await client.send("ping")
            #expect(try await client.read(4) == Array("ping".utf8))
        }
    }

    @Test func aRequestBodyTheHandlerLeftUnreadIsNotPartOfTheStream() async throws {
        try await TestHTTPServer.run(routes: Self.routes) { server in
            let client = try await server.connect()
            let json = Array(#"{"Detach":false,"Tty":false}"#.utf8)
            try await client.send(Self.upgradeRequest(headers: [("Content-Type", "application/json")], body: json) + Array("stdin".utf8))
            #expect(try await client.readResponseHead().status == 101)
            #expect(try await client.read(5) == Array("stdin".utf8))
            await client.shutdownWrite()
            #expect(try await client.readUntilClose().isEmpty)
        }
    }

    @Test func aChunkedRequestBodyEndsWhereTheStreamBegins() async throws {
        let body = Locked<[UInt8]>([])
        try await TestHTTPServer.run { routes in
            routes.add(.post, "/read-then-echo", permission: .test) { request, _ in
                body.withLock { $0 = [] }
                let bytes = try await request.body.collect(upTo: 1024)
                body.withLock { $0 = bytes }
                return .switchingProtocols(headers: ["Upgrade": "tcp"]) { client in
                    while let bytes = try await client.read() { try await client.write(bytes) }
                    await client.shutdownWrite()
                }
            }
        } test: { server in
            let client = try await server.connect()
            let request = Self.upgradeRequest("/read-then-echo", headers: [("Transfer-Encoding", "chunked")])
                + Wire.chunked(Array("abcdef".utf8), size: 4)
            try await client.send(request + Array("raw".utf8))
            #expect(try await client.readResponseHead().status == 101)
            #expect(try await client.read(3) == Array("raw".utf8))
            #expect(body.value == Array("abcdef".utf8))
        }
    }

    @Test func clientFINEndsItsInputOnlyAndTheServerKeepsWriting() async throws {
        try await TestHTTPServer.run { routes in
            routes.add(.post, "/count", permission: .test) { _, _ in
                .switchingProtocols(headers: ["Upgrade": "tcp"]) { client in
                    var total = 0
                    while let bytes = try await client.read() { total += bytes.count }
                    // The client has finished sending; its reading side is open: answer after a while.
                    try await Task.sleep(for: .milliseconds(100))
                    try await client.write(Array("got \(total) bytes".utf8))
                    try await Task.sleep(for: .milliseconds(100))
                    try await client.write(Array(", bye".utf8))
                    await client.shutdownWrite()
                }
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Self.upgradeRequest("/count"))
            #expect(try await client.readResponseHead().status == 101)
            try await client.send(pattern(100_000))
            await client.shutdownWrite()
            let answer = try await client.readUntilClose()
            #expect(String(decoding: answer, as: UTF8.self) == "got 100000 bytes, bye")
            #expect(!(await client.serverReset))
        }
    }

    @Test func serverShutdownWriteLetsTheClientReadEndOfStreamAndStillSend() async throws {
        let received = Locked<[UInt8]>([])
        let done = AsyncSignal()
        try await TestHTTPServer.run { routes in
            routes.add(.post, "/drain", permission: .test) { _, _ in
                .switchingProtocols(headers: ["Upgrade": "tcp"]) { client in
                    try await client.write(Array("over to you".utf8))
                    await client.shutdownWrite()
                    while let bytes = try await client.read() { received.withLock { $0 += bytes } }
                    done.fire()
                }
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Self.upgradeRequest("/drain"))
            #expect(try await client.readResponseHead().status == 101)
            #expect(try await client.readUntilClose() == Array("over to you".utf8), "end of stream after the server's FIN")
            try await client.send("still talking")
            try await client.send(", and more")
            await client.shutdownWrite()
            #expect(await done.wait())
            #expect(String(decoding: received.value, as: UTF8.self) == "still talking, and more")
        }
    }

    @Test func anUpgradedStreamLeavesTheKeepAliveMachineryAndIsCounted() async throws {
        try await TestHTTPServer.run(limits: .test { $0.keepAliveTimeout = 1; $0.headerTimeout = 1 }, routes: Self.routes) { server in
            // Until the switch the short timeouts apply, and a loaded machine can stall past them
            // before the request is read: that part is not the subject, so it may take a retry.
            var upgraded: RawHTTPClient?
            for _ in 0..<5 where upgraded == nil {
                let attempt = try await server.connect()
                try await attempt.send(Self.upgradeRequest())
                if (try? await attempt.readResponseHead())?.status == 101 { upgraded = attempt } else { await attempt.close() }
            }
            let client = try #require(upgraded)
            #expect(await eventually { server.server.upgradedStreamCount == 1 })
            // Quiet for longer than the idle and header timeouts: an upgraded stream has neither.
            try await Task.sleep(for: .milliseconds(2500))
            try await client.send("still open")
            #expect(try await client.read(10) == Array("still open".utf8))
            #expect(server.server.connectionCounts.active == 1)
            await client.close()
            #expect(await eventually { server.server.upgradedStreamCount == 0 && server.server.connectionCount == 0 })
        }
    }

    @Test func aSwitchTheRequestDidNotAskForIsRefused() async throws {
        try await TestHTTPServer.run { routes in
            routes.add(.post, "/careless", permission: .test) { _, _ in
                .switchingProtocols(headers: ["Upgrade": "tcp"]) { _ in }
            }
        } test: { server in
            for request in [
                Wire.request("POST", "/careless"),
                Wire.request("POST", "/careless", headers: [("Upgrade", "tcp")]),  // no Connection: upgrade
                Wire.request("POST", "/careless", version: "HTTP/1.0", headers: Self.upgradeHeaders),
            ] {
                let client = try await server.connect()
                try await client.send(request)
                let response = try await client.readResponse()
                #expect(response.status == 500)
                #expect(response.announcesClose)
                await expectServerCloses(client)
            }
            #expect(server.errorMessages.filter { $0.contains("cannot switch protocols") }.count == 3)
            #expect(server.server.upgradedStreamCount == 0)
        }
    }

    @Test func shutdownEndsUpgradedStreamsAfterTheGracePeriod() async throws {
        let ended = AsyncSignal()
        let server = try TestHTTPServer(limits: .test { $0.shutdownGracePeriod = 1 }) { routes in
            routes.add(.post, "/hold", permission: .test) { _, _ in
                .switchingProtocols(headers: ["Upgrade": "tcp"]) { client in
                    defer { ended.fire() }
                    while let bytes = try await client.read() { try await client.write(bytes) }
                }
            }
        }
        let client = try await server.connect()
        try await client.send(Self.upgradeRequest("/hold"))
        #expect(try await client.readResponseHead().status == 101)
        let started = TestClock.now
        let shutdown = Task { await server.shutdown() }
        // Within the grace period the stream still works, both ways.
        try await client.send("during")
        #expect(try await client.read(6) == Array("during".utf8))
        #expect(!ended.isFired)
        #expect(await ended.wait(timeout: 10), "the handler was never ended")
        await shutdown.value
        let elapsed = TestClock.seconds(since: started)
        #expect(elapsed >= 0.9, "ended before the grace period: \(elapsed) s")
        await expectServerCloses(client)
        #expect(server.server.connectionCount == 0)
        #expect(server.server.upgradedStreamCount == 0)
    }
}
