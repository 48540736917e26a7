import WharfIO
import WharfTLS

/// Shared steps of the TLS tests: an event loop per test, contexts from the generated
/// certificates, connecting, and reading a whole response.
enum TLSTestHarness {
    /// Runs `body` with a fresh event loop, shutting it down afterwards whatever happens.
    static func withLoop<R>(_ name: String, _ body: (EventLoop) async throws -> R) async throws -> R {
        let loop = try EventLoop.start(name: name)
        do {
            let result = try await body(loop)
            await loop.shutdown()
            return result
        } catch {
            await loop.shutdown()
            throw error
        }
    }

    /// A context trusting `ca`, presenting `client` (`<client>-cert.pem` and `<client>-key.pem`) if given.
    static func context(
        _ certificates: TestCertificates, ca: String = "ca.pem", client: String? = "client",
        maximumVersion: TLSVersion? = nil
    ) throws -> TLSContext {
        var configuration = TLSClientConfiguration(
            certificateAuthorityPEM: certificates.bytes(ca),
            certificatePEM: client.map { certificates.bytes("\($0)-cert.pem") },
            privateKeyPEM: client.map { certificates.bytes("\($0)-key.pem") })
        configuration.maximumVersion = maximumVersion
        return try TLSContext(client: configuration)
    }

    /// Connects a socket to 127.0.0.1:`port` and performs the handshake against `serverName`.
    static func connect(
        port: UInt16, context: TLSContext, serverName: String = "127.0.0.1", loop: EventLoop,
        deadline: Deadline = .after(seconds: 10)
    ) async throws -> TLSConnection {
        let socket = try await Socket.connect(to: try SocketAddress(ip: "127.0.0.1", port: port), loop: loop, deadline: deadline)
        return try await TLSConnection.connect(over: socket, context: context, serverName: serverName, deadline: deadline)
    }

    /// Reads until end of stream.
    static func readToEnd(_ stream: any ByteStream, deadline: Deadline = .after(seconds: 10)) async throws -> [UInt8] {
        let buffer = ByteBuffer()
        var received: [UInt8] = []
        while true {
            let count = try await stream.read(into: buffer, chunk: 16 * 1024, deadline: deadline)
            if count == 0 { return received }
            received += buffer.readBytes(upTo: count)
        }
    }

    /// Connects, sends `request`, and returns the whole answer as text (the connection is closed after).
    static func exchange(
        port: UInt16, context: TLSContext, serverName: String = "127.0.0.1", loop: EventLoop,
        request: String = "GET / HTTP/1.0\r\n\r\n"
    ) async throws -> String {
        let connection = try await connect(port: port, context: context, serverName: serverName, loop: loop)
        defer { connection.close() }
        try await connection.write(Array(request.utf8), deadline: .after(seconds: 10))
        return String(decoding: try await readToEnd(connection), as: UTF8.self)
    }
}
