import Glibc
import Testing
import WharfDocker
import WharfIO
import WharfTestSupport

/// Failures a client must name precisely: unreachable, each timeout phase, hang-ups, old engines.
@Suite struct ClientFailureTests {
    @Test func closedPortIsUnreachableWithTheAddress() async throws {
        // Bind a port, then close it: nothing listens there now.
        let listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: TestHTTPServer.group.next())
        let port = try listener.localAddress().port ?? 0
        listener.close()
        let client = DockerClient(endpoint: .tcp(host: "127.0.0.1", port: port), group: TestHTTPServer.group)
        do {
            _ = try await client.ping()
            Issue.record("no error")
        } catch DockerError.unreachable(let address, let reason) {
            #expect(address == "tcp://127.0.0.1:\(port)")
            #expect(reason.contains("refused"))
        }
    }

    @Test func missingUnixSocketIsUnreachable() async throws {
        let client = DockerClient(endpoint: .unix(path: "/tmp/wharf-no-such-engine.sock"), group: TestHTTPServer.group)
        await #expect {
            try await client.ping()
        } throws: { error in
            guard case DockerError.unreachable(let address, _) = error else { return false }
            return address == "unix:///tmp/wharf-no-such-engine.sock"
                && (error as? DockerError)?.description.contains("/tmp/wharf-no-such-engine.sock") == true
        }
    }

    @Test func silentEngineTimesOutWaitingForTheResponseHead() async throws {
        let engine = try FakeEngine { connection in
            _ = try await connection.readRequest()
            _ = try await connection.readRequest()
        }
        defer { engine.stop() }
        var timeouts = DockerTimeouts()
        timeouts.responseHead = 0.3
        let client = engine.client(timeouts: timeouts)
        await #expect {
            try await client.ping()
        } throws: { error in
            guard case DockerError.timedOut(_, .responseHead) = error else { return false }
            return (error as? DockerError)?.description.contains("waiting for the response head") == true
        }
    }

    @Test func stalledBodyTimesOutAsBodyIdle() async throws {
        let engine = try FakeEngine.answering { _, connection in
            try await connection.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
            _ = try await connection.readRequest()
        }
        defer { engine.stop() }
        var timeouts = DockerTimeouts()
        timeouts.bodyIdle = 0.3
        let client = engine.client(timeouts: timeouts)
        let response = try await client.send(DockerRequest("GET", DockerPath("logs")))
        await #expect {
            try await response.body.collect()
        } throws: { error in
            if case DockerError.timedOut(_, .bodyIdle) = error { true } else { false }
        }
    }

    @Test func hangUpMidBodyIsALostConnection() async throws {
        let engine = try FakeEngine.answering { _, connection in
            try await connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")
            connection.close()
        }
        defer { engine.stop() }
        let client = engine.client()
        let response = try await client.send(DockerRequest("GET", DockerPath("logs")))
        await #expect {
            try await response.body.collect()
        } throws: { error in
            if case DockerError.connectionLost(_, .bodyIdle, _) = error { true } else { false }
        }
        #expect(client.pool.idleCount == 0)
    }

    @Test func listenerThatNeverAcceptsTimesOutConnecting() async throws {
        // A listener with a full backlog drops further SYNs, so connect() never completes.
        let loop = TestHTTPServer.group.next()
        let listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), backlog: 0, loop: loop)
        defer { listener.close() }
        let address = try listener.localAddress()
        var fillers: [Socket] = []
        defer { for socket in fillers { socket.close() } }
        for _ in 0..<4 {
            if let socket = try? await Socket.connect(to: address, loop: loop, deadline: .after(milliseconds: 200)) {
                fillers.append(socket)
            }
        }
        var timeouts = DockerTimeouts()
        timeouts.connect = 0.3
        let client = DockerClient(endpoint: .tcp(host: "127.0.0.1", port: address.port ?? 0), group: TestHTTPServer.group, timeouts: timeouts)
        await #expect {
            try await client.ping()
        } throws: { error in
            guard case DockerError.timedOut(let text, .connect) = error else { return false }
            return text == "tcp://\(address)"
        }
    }

    @Test func engineTooOldIsRefused() async throws {
        let engine = try FakeEngine.answering(version: "1.40") { _, _ in }
        defer { engine.stop() }
        let client = engine.client()
        await #expect {
            try await client.send(DockerRequest("GET", DockerPath("info")))
        } throws: { error in
            guard case DockerError.engineTooOld(_, "1.40", "1.41") = error else { return false }
            return (error as? DockerError)?.description.contains("Upgrade Docker") == true
        }
    }

    @Test func newerEngineIsSpokenToInTheNewestKnownVersion() async throws {
        let targets = Locked<[String]>([])
        let engine = try FakeEngine.answering(version: "1.47") { request, connection in
            targets.withLock { $0.append(request.target) }
            try await connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        }
        defer { engine.stop() }
        let client = engine.client()
        _ = try await client.send(DockerRequest("GET", DockerPath("info"))).body.collect()
        _ = try await client.send(DockerRequest("GET", DockerPath("info"))).body.collect()
        #expect(try await client.apiVersion() == DockerAPIVersion.newest)
        #expect(targets.value == ["/v\(DockerAPIVersion.newest)/info", "/v\(DockerAPIVersion.newest)/info"])
    }

    @Test func notAnEngineIsAProtocolViolation() async throws {
        let engine = try FakeEngine { connection in
            try await connection.write("SSH-2.0-OpenSSH_9.6\r\n\r\n")
            _ = try await connection.readRequest()
        }
        defer { engine.stop() }
        await #expect {
            try await engine.client().ping()
        } throws: { error in
            if case DockerError.protocolViolation = error { true } else { false }
        }
    }
}
