import Testing
import WharfDocker
import WharfIO
import WharfTestSupport
import WharfWire

/// The client against a scripted peer: body framings, keep-alive, retries, upgrades, streamed bodies.
@Suite struct ClientCodecTests {
    static func text(_ response: DockerResponse) async throws -> String {
        String(decoding: try await response.body.collect(), as: UTF8.self)
    }

    @Test func readsContentLengthChunkedAndCloseDelimitedBodies() async throws {
        let engine = try FakeEngine.answering { request, connection in
            switch request.target {
            case "/v1.41/fixed":
                try await connection.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
            case "/v1.41/chunked":
                try await connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n")
                try await connection.write("2\r\nde\r\n0\r\nTrailer: x\r\n\r\n")
            default:
                try await connection.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil ")
                try await connection.write("close")
                connection.close()
            }
        }
        defer { engine.stop() }
        let client = engine.client()
        #expect(try await Self.text(client.send(DockerRequest("GET", DockerPath("fixed")))) == "hello")
        #expect(try await Self.text(client.send(DockerRequest("GET", DockerPath("chunked")))) == "abcde")
        #expect(try await Self.text(client.send(DockerRequest("GET", DockerPath("close")))) == "until close")
        // _ping, fixed and chunked shared one keep-alive connection; the close-delimited one went with its body.
        #expect(client.pool.openedCount == 1)
        #expect(client.pool.idleCount == 0)
    }

    @Test func warmRequestsReuseOneConnection() async throws {
        let engine = try FakeEngine.answering { _, connection in
            try await connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        }
        defer { engine.stop() }
        let client = engine.client()
        for _ in 0..<20 { _ = try await client.send(DockerRequest("GET", DockerPath("info"))).body.collect() }
        _ = try await client.ping()
        #expect(client.pool.openedCount == 1)
        #expect(engine.acceptedCount == 1)
        #expect(client.pool.idleCount == 1)
    }

    @Test func retriesAnIdempotentRequestOnceWhenAReusedConnectionIsDead() async throws {
        // The engine answers one request per connection, then hangs up without saying so.
        let engine = try FakeEngine { connection in
            guard let request = try await connection.readRequest() else { return }
            if request.target == "/_ping" {
                try await connection.write(FakeEngine.pingResponse())
            } else {
                try await connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            }
            // Wait for the next request, then drop it unanswered.
            _ = try await connection.readRequest()
        }
        defer { engine.stop() }
        let client = engine.client()
        #expect(try await Self.text(client.send(DockerRequest("GET", DockerPath("a")))) == "ok")
        #expect(engine.acceptedCount == 2)
    }

    @Test func doesNotRetryAPost() async throws {
        let engine = try FakeEngine { connection in
            guard let request = try await connection.readRequest() else { return }
            if request.target == "/_ping" { try await connection.write(FakeEngine.pingResponse()) }
            _ = try await connection.readRequest()
        }
        defer { engine.stop() }
        let client = engine.client()
        _ = try await client.ping()
        _ = try await client.apiVersion()
        await #expect(throws: DockerError.self) {
            try await client.send(DockerRequest("POST", DockerPath("containers", "x", "start")))
        }
    }

    @Test func abandonedBodyClosesItsConnection() async throws {
        let engine = try FakeEngine.answering { _, connection in
            try await connection.write("HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n")
            try await connection.write([UInt8](repeating: 7, count: 100_000))
        }
        defer { engine.stop() }
        let client = engine.client()
        let response = try await client.send(DockerRequest("GET", DockerPath("export")))
        var iterator = response.body.makeAsyncIterator()
        _ = try await iterator.next()
        response.body.close()
        #expect(client.pool.idleCount == 0)
        _ = try await client.ping()
        #expect(client.pool.openedCount == 2)
    }

    @Test func sendsAStreamedBodyChunked() async throws {
        let received = Locked<FakeRequest?>(nil)
        let engine = try FakeEngine.answering { request, connection in
            received.withLock { $0 = request }
            try await connection.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        }
        defer { engine.stop() }
        let client = engine.client()
        let chunks = AsyncStream<[UInt8]> { continuation in
            for index in 0..<100 { continuation.yield([UInt8](repeating: UInt8(index), count: index + 1)) }
            continuation.finish()
        }
        var request = DockerRequest("POST", DockerPath("build"))
        request.body = .stream(DockerByteChunks(chunks), contentType: "application/x-tar", length: nil)
        _ = try await client.send(request).body.collect()
        let got = try #require(received.value)
        #expect(got.headers["transfer-encoding"] == "chunked")
        #expect(got.headers["content-type"] == "application/x-tar")
        #expect(got.body == (0..<100).flatMap { [UInt8](repeating: UInt8($0), count: $0 + 1) })
        #expect(client.pool.idleCount == 1)
    }

    @Test func upgradeHandsOverTheRawStreamWithBytesSentAfterTheHead() async throws {
        let engine = try FakeEngine.answering { request, connection in
            #expect(request.headers["upgrade"] == "tcp")
            try await connection.write(
                "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                    + "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\nfirst bytes")
            var echo = [UInt8]()
            while echo.count < 4 {
                let buffer = ByteBuffer()
                guard try await connection.socket.read(into: buffer, chunk: 64) > 0 else { return }
                echo += buffer.readBytes(upTo: buffer.readableCount)
            }
            try await connection.write(echo)
        }
        defer { engine.stop() }
        let client = engine.client()
        let stream = try await client.upgrade(DockerRequest("POST", DockerPath("containers", "x", "attach")))
        #expect(stream.head.status == 101)
        #expect(try await stream.read().map { String(decoding: $0, as: UTF8.self) } == "first bytes")
        try await stream.write(Array("ping".utf8))
        var echoed: [UInt8] = []
        while echoed.count < 4, let more = try await stream.read(deadline: .after(seconds: 5)) { echoed += more }
        #expect(String(decoding: echoed, as: UTF8.self) == "ping")
        stream.close()
    }

    @Test func upgradeGivesThe101sHeadersAndHalfClosesTowardsTheEngine() async throws {
        let engineSaw = Locked<[UInt8]>([])
        let engine = try FakeEngine.answering { _, connection in
            try await connection.write(
                "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
                    + "Connection: Upgrade\r\nUpgrade: tcp\r\nX-Extra: kept\r\n\r\n")
            // The process's stdin: read to its end (the client's shutdownWrite), then answer.
            let buffer = ByteBuffer()
            while try await connection.socket.read(into: buffer, chunk: 64, deadline: .after(seconds: 5)) > 0 {}
            let stdin = buffer.readBytes(upTo: buffer.readableCount)
            engineSaw.withLock { $0 = stdin }
            try await connection.write(Array("read \(stdin.count) bytes".utf8))
            connection.close()
        }
        defer { engine.stop() }
        let stream = try await engine.client().upgrade(DockerRequest("POST", DockerPath("exec", "x", "start")))
        #expect(stream.contentType == "application/vnd.docker.multiplexed-stream")
        #expect(stream.headers["x-extra"] == "kept")
        #expect(stream.headers["Upgrade"] == "tcp")
        try await stream.write(Array("some stdin".utf8))
        try await stream.shutdownWrite()
        var output: [UInt8] = []
        while let bytes = try await stream.read(deadline: .after(seconds: 5)) { output += bytes }
        #expect(String(decoding: output, as: UTF8.self) == "read 10 bytes", "the engine's answer after the half-close arrived")
        #expect(engineSaw.value == Array("some stdin".utf8))
        await #expect(throws: (any Error).self, "writing after shutdownWrite") { try await stream.write([1]) }
        stream.close()
    }

    @Test func apiErrorsCarryTheEnginesMessage() async throws {
        let engine = try FakeEngine.answering { _, connection in
            let body = #"{"message":"No such container: web"}"#
            try await connection.write("HTTP/1.1 404 Not Found\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        }
        defer { engine.stop() }
        let client = engine.client()
        do {
            _ = try await client.send(DockerRequest("GET", DockerPath("containers", "web", "json")))
            Issue.record("no error")
        } catch let error as DockerError {
            guard case .api(404, "No such container: web") = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(error.isNotFound)
            #expect(error.description.contains("No such container: web"))
        }
        // The error body was read to its end, so the connection went back to the pool.
        #expect(client.pool.idleCount == 1)
    }
}
