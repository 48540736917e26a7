import Glibc
import Testing
import WharfIO
import WharfTLS

/// Peers that are not TLS servers at all: a plain HTTP port, a silent one, one that hangs up.
@Suite struct TLSWrongPeerTests {
    /// A plain TCP listener on 127.0.0.1:0 whose first connection is handled by `handle`.
    static func withPlainListener(
        _ name: String, handle: @escaping @Sendable (Socket) async throws -> Void,
        _ body: @escaping (EventLoop, UInt16) async throws -> Void
    ) async throws {
        try await TLSTestHarness.withLoop(name) { loop in
            let listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: loop)
            defer { listener.close() }
            let port = try #require(try listener.localAddress().port)
            let server = Task {
                while true {
                    if let (fd, _) = try listener.accept() {
                        let socket = try Socket(adopting: fd, loop: loop)
                        defer { socket.close() }
                        try await handle(socket)
                        return
                    }
                    try await listener.readiness.wait(.read, deadline: .after(seconds: 10))
                }
            }
            // The listener task must be finished before the listener closes (defer above).
            do {
                try await body(loop, port)
            } catch {
                server.cancel()
                _ = await server.result
                throw error
            }
            server.cancel()
            _ = await server.result
        }
    }

    @Test func tlsToAPlainHTTPPortSaysTheServerDoesNotSpeakTLS() async throws {
        try await Self.withPlainListener("tls-plain", handle: { socket in
            _ = try await socket.read(into: ByteBuffer(), deadline: .after(seconds: 5))
            try await socket.write(Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
        }) { loop, port in
            let context = try TLSTestHarness.context(try await TestCertificates.shared())
            await #expect(throws: TLSError.notTLS) {
                _ = try await TLSTestHarness.connect(port: port, context: context, loop: loop)
            }
            #expect(TLSError.notTLS.description.contains("does not speak TLS on this port"))
        }
    }

    @Test func aServerThatNeverAnswersTimesOutTheHandshake() async throws {
        let released = AsyncGate()
        try await Self.withPlainListener("tls-silent", handle: { _ in await released.wait() }) { loop, port in
            defer { released.open() }
            let context = try TLSTestHarness.context(try await TestCertificates.shared())
            let start = TestTime.now
            await #expect(throws: TLSError.handshakeTimedOut) {
                _ = try await TLSTestHarness.connect(port: port, context: context, loop: loop, deadline: .after(milliseconds: 300))
            }
            let elapsed = TestTime.now - start
            // Only a lower bound: other tests may keep both cores busy (STYLE: no timed assertions).
            #expect(elapsed >= 0.25, "took \(elapsed) s")
            #expect(loop.registrationCount <= 2, "the client socket was closed")
        }
    }

    @Test func aServerThatHangsUpDuringTheHandshakeIsReported() async throws {
        try await Self.withPlainListener("tls-hangup", handle: { _ in }) { loop, port in
            let context = try TLSTestHarness.context(try await TestCertificates.shared())
            await #expect(throws: TLSError.closedDuringHandshake) {
                _ = try await TLSTestHarness.connect(port: port, context: context, loop: loop)
            }
        }
    }

    @Test func anEmptyServerNameIsRefusedAndTheSocketClosed() async throws {
        try await Self.withPlainListener("tls-name", handle: { _ in }) { loop, port in
            let context = try TLSTestHarness.context(try await TestCertificates.shared())
            let socket = try await Socket.connect(to: try SocketAddress(ip: "127.0.0.1", port: port), loop: loop)
            await #expect(throws: TLSError.invalidServerName("")) {
                _ = try await TLSConnection.connect(over: socket, context: context, serverName: "", deadline: nil)
            }
            #expect(socket.isClosed)
        }
    }
}
