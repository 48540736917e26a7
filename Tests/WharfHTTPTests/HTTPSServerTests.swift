import Glibc
import Testing
import WharfHTTP
import WharfIO
import WharfTLS
import WharfTestSupport
import WharfWire

/// HTTPS served by ``HTTPServer`` itself (``HTTPServerConfiguration/tls``): the handshake on the
/// loop, requests over TLS through the same connection code, and what must never wedge a loop.
/// Clients: WharfTLS's own client (``HTTPSTestClient``), `curl` and `openssl s_client`.
@Suite struct HTTPSServerTests {
    static func routes(_ routes: inout RouterBuilder) {
        commonRoutes(&routes)
        routes.add(.get, "/secure", permission: .test) { _, context in .text("secure=\(context.isSecure)\n") }
        routes.add(.get, "/ticks", permission: .test) { _, _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: .stream(length: nil) { writer in
                for tick in 0..<3 {
                    try await writer.write(Array("tick \(tick)\n".utf8))
                    try await Task.sleep(for: .milliseconds(30))
                }
            })
        }
        // An event sink: the replay in the attach phase, then sends from another task (over TLS
        // the sink writes from a short-lived task, as OpenSSL cannot take a write without waiting).
        routes.add(.get, "/sink-ticks", permission: .test) { _, _ in
            .eventSink { sink in
                try await sink.write(Array("tick 0\n".utf8))
                Task {
                    for tick in 1..<4 {
                        sink.send(Array("tick \(tick)\n".utf8))
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    sink.finish()
                }
            }
        }
        // Reads the client's stream to its end (a close_notify), then answers on the other direction.
        routes.add(.post, "/half-close", permission: .test) { _, _ in
            .switchingProtocols(headers: ["Upgrade": "tcp"]) { client in
                var received = 0
                while let bytes = try await client.read(deadline: .after(seconds: 10)) { received += bytes.count }
                try await client.write(Array("read \(received) bytes, then your end; still writing\n".utf8))
                await client.shutdownWrite()
            }
        }
    }

    @Test func requestsAreServedOverTLSOnAKeptAliveConnectionAndSeeTheySecure() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        try await TestHTTPServer.run(tls: try certificate.context(), routes: Self.routes) { server in
            try await HTTPSTestClient.withLoop { loop in
                let client = try await HTTPSTestClient.connect(server.address, trusting: certificate, loop: loop)
                defer { client.close() }
                for _ in 0..<3 {
                    let response = try await client.get("/secure")
                    #expect(response.status == 200)
                    #expect(response.body == "secure=true\n")
                }
                #expect(server.server.connectionCount == 1, "one connection served all three")
                let streamed = try await client.get("/ticks")
                #expect(streamed.body == "tick 0\ntick 1\ntick 2\n")
                #expect(try await client.get("/hello").body == "hello\n", "still kept alive after a chunked stream")
                #expect(try await client.get("/sink-ticks").body == "tick 0\ntick 1\ntick 2\ntick 3\n")
                #expect(try await client.get("/hello").body == "hello\n", "still kept alive after an event sink's stream")
                // A body of many TLS records, read by the handler while it arrives.
                let body = [UInt8](repeating: UInt8(ascii: "w"), count: 1_000_000) + Array("end".utf8)
                let echoed = try await client.post("/echo", body: body)
                #expect(echoed.status == 200)
                #expect(echoed.body.utf8.count == body.count && echoed.body.hasSuffix("wend"), "the body came back whole")
                #expect(try await client.get("/hello").body == "hello\n")
            }
        }
    }

    @Test func curlNegotiatesHTTP11WithALPNAndOpenSSLResumesTheSession() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        try await TestHTTPServer.run(tls: try certificate.context(), routes: Self.routes) { server in
            let port = server.address.port ?? 0
            let curl = try await run("/usr/bin/curl", [
                "-sS", "-v", "--cacert", certificate.certificateFile, "https://localhost:\(port)/secure",
            ])
            #expect(curl.status == 0, "\(curl.err)")
            #expect(curl.out == "secure=true\n")
            #expect(curl.err.contains("ALPN: server accepted http/1.1"), "\(curl.err)")
            let folder = certificate.directory
            for flags in [["-tls1_3"], ["-tls1_2"]] {
                let request = Array("GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
                let common = ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", certificate.certificateFile, "-alpn", "http/1.1", "-ign_eof"]
                let first = try await run("/usr/bin/openssl", common + flags + ["-sess_out", folder + "/session.pem"], input: request)
                #expect(first.out.contains("ALPN protocol: http/1.1") && first.out.contains("hello"), "\(first.out)")
                let second = try await run("/usr/bin/openssl", common + flags + ["-sess_in", folder + "/session.pem"], input: request)
                #expect(second.out.contains("Reused, TLSv1."), "\(flags): \(second.out)")
                #expect(second.out.contains("hello"))
            }
        }
    }

    @Test func plainHTTPOnTheTLSPortIsAnswered400WithALogLineAndTheServerGoesOn() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        try await TestHTTPServer.run(tls: try certificate.context(), routes: Self.routes) { server in
            let plain = try await server.connect()
            try await plain.send(Wire.request("GET", "/hello"))
            let answer = try await plain.readUntilClose()
            let text = String(decoding: answer, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 400 Bad Request"), "\(text)")
            #expect(text.contains("This port speaks HTTPS: use an https:// address."))
            #expect(await eventually { server.errorMessages.contains { $0.contains("TLS handshake with 127.0.0.1:") && $0.contains("plain HTTP") } },
                    "\(server.errorMessages)")
            try await HTTPSTestClient.withLoop { loop in
                let client = try await HTTPSTestClient.connect(server.address, trusting: certificate, loop: loop)
                defer { client.close() }
                #expect(try await client.get("/hello").body == "hello\n")
            }
            #expect(await eventually { server.server.connectionCount == 0 })
        }
    }

    @Test func aSlowHandshakeIsDroppedAtItsDeadlineWhileOthersAreServed() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let limits = HTTPLimits.test { $0.tlsHandshakeTimeout = 3 }
        try await TestHTTPServer.run(limits: limits, tls: try certificate.context(), routes: Self.routes) { server in
            let started = TestClock.now
            // Two bytes of a TLS record header, then nothing; a second client sends nothing at all.
            let trickling = try await server.connect()
            try await trickling.send([0x16, 0x03])
            let silent = try await server.connect()
            try await HTTPSTestClient.withLoop { loop in
                for _ in 0..<5 {
                    let client = try await HTTPSTestClient.connect(server.address, trusting: certificate, loop: loop)
                    #expect(try await client.get("/hello").body == "hello\n")
                    client.close()
                }
            }
            // Served while the two handshakes were still waiting on the same loops.
            let tricklingEnded = await trickling.waitForData(timeout: 0)
            let silentEnded = await silent.waitForData(timeout: 0)
            #expect(!tricklingEnded && !silentEnded, "the slow handshakes ended before the others were served")
            await expectServerCloses(trickling, timeout: 10, "the trickling handshake was not dropped")
            await expectServerCloses(silent, timeout: 10, "the silent client was not dropped")
            #expect(TestClock.seconds(since: started) >= 2.9, "dropped at the deadline, not before")
            // Logged just after the close, on the loop.
            #expect(await eventually {
                server.errorMessages.filter { $0.contains("TLS handshake with") && $0.contains("did not complete the TLS handshake in time") }.count == 2
            }, "\(server.errorMessages)")
            #expect(await eventually { server.server.connectionCount == 0 })
        }
    }

    @Test func shutdownEndsHandshakesUnderWayAtOnce() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        // A grace period and a handshake deadline far longer than shutdown may take.
        let limits = HTTPLimits.test { $0.shutdownGracePeriod = 20; $0.tlsHandshakeTimeout = 20 }
        let server = try TestHTTPServer(limits: limits, tls: try certificate.context(), routes: Self.routes)
        let silent = try await server.connect()
        #expect(await eventually { server.server.connectionCount == 1 })
        let started = TestClock.now
        await server.shutdown()
        #expect(TestClock.seconds(since: started) < 5, "shutdown waited for a handshake")
        await expectServerCloses(silent)
        #expect(server.server.connectionCount == 0)
    }

    @Test func aClientThatDoesNotTrustTheCertificateIsLoggedByItsAlert() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let other = try TestCertificate.make()
        defer { other.remove() }
        try await TestHTTPServer.run(tls: try certificate.context(), routes: Self.routes) { server in
            await #expect(throws: TLSError.self) {
                try await HTTPSTestClient.withLoop { loop in
                    _ = try await HTTPSTestClient.connect(server.address, trusting: other, loop: loop)
                }
            }
            #expect(await eventually { server.errorMessages.contains { $0.contains("TLS handshake with") && $0.contains("unknown ca") } },
                    "\(server.errorMessages)")
            #expect(await eventually { server.server.connectionCount == 0 })
        }
    }

    @Test func closeNotifyOnAnUpgradedStreamIsAHalfClose() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        try await TestHTTPServer.run(tls: try certificate.context(), routes: Self.routes) { server in
            try await HTTPSTestClient.withLoop { loop in
                let client = try await HTTPSTestClient.connect(server.address, trusting: certificate, loop: loop)
                defer { client.close() }
                try await client.connection.write(Wire.request("POST", "/half-close", headers: [("Connection", "Upgrade"), ("Upgrade", "tcp")]))
                let head = try await client.readHead()
                #expect(head.status == 101)
                try await client.connection.write(Array(repeating: UInt8(ascii: "x"), count: 100_000))
                // close_notify: the server reads end of stream and can still write to us.
                try await client.connection.shutdownWrite(deadline: .after(seconds: 5))
                let rest = try await client.readToEnd()
                #expect(rest == "read 100000 bytes, then your end; still writing\n")
                #expect(client.connection.peerSentCloseNotify, "the server ended its side with close_notify")
            }
            #expect(await eventually { server.server.connectionCount == 0 })
        }
    }

    @Test func aReloadServesNewConnectionsTheNewCertificateAndKeepsOpenOnes() async throws {
        let first = try TestCertificate.make()
        defer { first.remove() }
        let second = try TestCertificate.make()
        defer { second.remove() }
        let folder = try TestCertificate.folder()
        defer { TestCertificate.removeFolder(folder) }
        try first.install(in: folder)
        let reloadable = try ReloadableTLSServerContext(certificateFile: folder + "/cert.pem", keyFile: folder + "/key.pem")
        try await TestHTTPServer.run(tls: reloadable, routes: Self.routes) { server in
            try await HTTPSTestClient.withLoop { loop in
                let open = try await HTTPSTestClient.connect(server.address, trusting: first, loop: loop)
                defer { open.close() }
                #expect(try await open.get("/hello").body == "hello\n")
                try second.install(in: folder)
                let info = try reloadable.reload()
                #expect(info.sha256Fingerprint == (try second.context()).current.certificate.sha256Fingerprint)
                // The connection made before the reload goes on with its session.
                #expect(try await open.get("/hello").body == "hello\n")
                let fresh = try await HTTPSTestClient.connect(server.address, trusting: second, loop: loop)
                #expect(try await fresh.get("/secure").body == "secure=true\n")
                fresh.close()
                await #expect(throws: TLSError.self) {
                    _ = try await HTTPSTestClient.connect(server.address, trusting: first, loop: loop)
                }
                #expect(try await open.get("/hello").body == "hello\n")
            }
        }
    }

    /// Runs a command to completion (30 s at most) with `input` on its stdin.
    func run(_ path: String, _ arguments: [String], input: [UInt8]? = nil) async throws -> (status: Int32?, out: String, err: String) {
        let child = try ChildProcess(path, arguments, input: input)
        let status = await child.waitForExit(timeout: 30)
        return (status, child.standardOutput, child.standardError)
    }
}

/// Failed handshakes logged line by line up to a budget, then counted.
@Suite struct HandshakeFailureLogTests {
    @Test func aBudgetLogsTheFirstOfAWindowAndCountsTheRest() {
        let budget = LogBudget(burst: 3, windowSeconds: 10)
        let start = Deadline(nanoseconds: 1_000_000_000)
        func at(_ seconds: Double) -> Deadline { Deadline(nanoseconds: start.nanoseconds + UInt64(seconds * 1e9)) }
        #expect((0..<5).map { budget.allow(at: at(Double($0))) } == [true, true, true, false, false])
        #expect(budget.leftOut(at: at(9)) == nil, "the window is not over")
        #expect(!budget.allow(at: at(11)), "left-out ones are counted until their count is written")
        #expect(budget.leftOut(at: at(11)) == 3)
        #expect(budget.leftOut(at: at(12)) == nil)
        #expect(budget.allow(at: at(12)), "a new window")
        #expect(budget.allow(at: at(30)) && budget.leftOut(at: at(31)) == nil)
    }

    @Test func aFloodOfPlainHTTPOnTheTLSPortLogsABurstThenOneCount() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let limits = HTTPLimits.test {
            $0.handshakeFailureLogBurst = 3
            $0.handshakeFailureLogWindow = 1
        }
        try await TestHTTPServer.run(limits: limits, tls: try certificate.context(), routes: HTTPSServerTests.routes) { server in
            let started = ContinuousClock.now
            for _ in 0..<12 {
                let plain = try await server.connect()
                try await plain.send(Wire.request("GET", "/hello"))
                _ = try await plain.readUntilClose()
            }
            let withinOneWindow = ContinuousClock.now - started < .milliseconds(900)
            // Each line is one handshake, each count line says how many were left out: together,
            // all twelve, whatever the windows (a loaded machine may take over a second for them).
            func lines() -> Int { server.errorMessages.filter { $0.contains("TLS handshake with 127.0.0.1:") }.count }
            func counted() -> Int {
                server.errorMessages.compactMap { message -> Int? in
                    guard let range = message.firstRange(of: " more TLS handshakes failed, not logged one by one") else { return nil }
                    return Int(message[..<range.lowerBound].split(separator: " ").last ?? "")
                }.reduce(0, +)
            }
            #expect(await eventually(timeout: 5) { lines() + counted() == 12 }, "\(server.errorMessages)")
            #expect(counted() > 0, "a count line, not twelve lines")
            if withinOneWindow {
                #expect(lines() == 3 && counted() == 9, "\(server.errorMessages)")
            }
        }
    }
}
