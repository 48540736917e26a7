import Testing
import WharfHTTP
import WharfIO
import WharfTestSupport
import WharfWire

/// A few clients must not hold every connection slot: a cap on open connections per client
/// address, and a minimum request-body rate.
@Suite struct SlowClientLimitTests {
    static func capped(_ cap: Int) -> HTTPLimits {
        .test {
            $0.maxConnectionsPerAddress = cap
            $0.loopbackExemptFromAddressLimit = false
        }
    }

    /// Opens a connection and proves the server serves it.
    static func served(_ server: TestHTTPServer, ipv6: Bool = false) async throws -> RawHTTPClient {
        let client = try await server.connect(ipv6: ipv6)
        try await client.send(Wire.request("GET", "/hello"))
        #expect(try await client.readResponse().status == 200)
        return client
    }

    @Test func oneConnectionOverThePerAddressCapIs429AndClosed() async throws {
        try await TestHTTPServer.run(limits: Self.capped(3), routes: commonRoutes) { server in
            var open: [RawHTTPClient] = []
            for _ in 0..<3 { open.append(try await Self.served(server)) }
            let refused = try await server.connect()
            let response = try await refused.readResponse()
            #expect(response.status == 429)
            #expect(response["Retry-After"] == "1")
            #expect(response.announcesClose)
            #expect(response.text.contains("Too many connections from your address"))
            await expectServerCloses(refused)
            #expect(server.server.connectionCount == 3)
            #expect(server.server.openConnections(from: .ipv4(0x7F00_0001)) == 3)

            // A slot given back is a slot again.
            await open.removeFirst().close()
            #expect(await eventually { server.server.connectionCount == 2 })
            open.append(try await Self.served(server))
            for client in open { await client.close() }
            #expect(await eventually { server.server.openConnections(from: .ipv4(0x7F00_0001)) == 0 })
        }
    }

    @Test func ipv6ClientsAreCountedPerSlash64() async throws {
        try await TestHTTPServer.run(limits: Self.capped(2), ipv6: true, routes: commonRoutes) { server in
            var open = [try await Self.served(server, ipv6: true), try await Self.served(server, ipv6: true)]
            let refused = try await server.connect(ipv6: true)
            #expect(try await refused.readResponse().status == 429)
            // The IPv4 address is another client.
            open.append(try await Self.served(server))
            #expect(server.server.openConnections(from: .ipv6(0)) == 2, "::1 is counted under ::/64")
            for client in open { await client.close() }
        }
    }

    @Test func loopbackClientsAreExemptByDefault() async throws {
        // A reverse proxy on the same machine connects from loopback for every client.
        try await TestHTTPServer.run(limits: .test { $0.maxConnectionsPerAddress = 2 }, routes: commonRoutes) { server in
            var open: [RawHTTPClient] = []
            for _ in 0..<5 { open.append(try await Self.served(server)) }
            #expect(server.server.connectionCount == 5)
            for client in open { await client.close() }
        }
    }

    static let slowBody: HTTPLimits = .test {
        $0.minBodyBytesPerSecond = 1000
        $0.bodyRateWindow = 1
        $0.bodyReadTimeout = 10
    }

    @Test func aBodyTrickledBelowTheMinimumRateIs408AndClosed() async throws {
        try await TestHTTPServer.run(limits: Self.slowBody, routes: commonRoutes) { server in
            let client = try await server.connect()
            let start = TestClock.now
            try await client.send(Wire.request("POST", "/echo", headers: [("Content-Length", "100000")]))
            // 20 bytes every 100 ms: 200 B/s, a fifth of the minimum, and never a stall of the
            // stall limit's length.
            let trickle = Task {
                for _ in 0..<100 {
                    guard (try? await client.send(Array(repeating: 0x61, count: 20))) != nil else { return }
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            let response = try await client.readResponse(timeout: 8)
            trickle.cancel()
            #expect(response.status == 408)
            #expect(response.text == "The request body arrived slower than 1000 bytes per second.\n")
            #expect(response.announcesClose)
            let elapsed = TestClock.seconds(since: start)
            #expect(elapsed >= 1 && elapsed < 5, "\(elapsed) s")
            await expectServerCloses(client)
        }
    }

    /// The same minimum with a 2 s window: the client's own pauses (its task waits for a
    /// cooperative thread that the suite's other tests keep busy, over 1 s at the start of a
    /// parallel run on two cores) must not count against it. The body still takes twice the
    /// window, so it is served only because its bytes earn time back.
    static let slowBodyWideWindow: HTTPLimits = .test {
        $0.minBodyBytesPerSecond = 1000
        $0.bodyRateWindow = 2
        $0.bodyReadTimeout = 10
    }

    @Test func aBodyAboveTheMinimumRateIsServed() async throws {
        try await TestHTTPServer.run(limits: Self.slowBodyWideWindow, routes: commonRoutes) { server in
            let client = try await server.connect()
            let body = pattern(16000)
            try await client.send(Wire.request("POST", "/echo", headers: [("Content-Length", "16000")]))
            // 400 bytes every 100 ms: 4,000 B/s, four times the minimum, for four seconds.
            for offset in stride(from: 0, to: body.count, by: 400) {
                try await client.send(Array(body[offset..<(offset + 400)]))
                try await Task.sleep(for: .milliseconds(100))
            }
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.body == body)
        }
    }

    @Test func aHandlerThatReadsSlowlyDoesNotMakeItsClientTooSlow() async throws {
        try await TestHTTPServer.run(limits: Self.slowBody) { routes in
            routes.add(.post, "/slow-reader", permission: .test) { request, _ in
                var total = 0
                for try await chunk in request.body {
                    total += chunk.count
                    try await Task.sleep(for: .milliseconds(400))  // the handler's pace, not the client's
                }
                return .text("\(total)")
            }
        } test: { server in
            let client = try await server.connect()
            // The client sends it all at once; the server takes it in 16 KiB reads over seconds.
            let body = pattern(200_000)
            let request = Wire.request("POST", "/slow-reader", body: body)
            let sender = Task { try await client.send(request, timeout: 20) }
            let response = try await client.readResponse(timeout: 20)
            _ = try? await sender.value
            #expect(response.status == 200)
            #expect(response.text == "200000")
        }
    }
}
