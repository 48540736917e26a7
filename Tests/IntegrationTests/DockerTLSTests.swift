import Glibc
import Testing
import WharfDocker
import WharfIO
import WharfTLS
import WharfTestSupport

/// Engine B over mutual TLS, and the TLS endpoints that must be refused with a TLS error.
@Suite struct DockerTLSTests {
    static func pem(_ variable: String) throws -> [UInt8] {
        let path = try Fleet.variable(variable)
        guard let file = fopen(path, "r") else { throw Fleet.FleetMissing(name: "\(variable) (cannot open \(path))") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes
    }

    static func context(ca: String = "WHARF_TEST_TLS_CA", cert: String? = "WHARF_TEST_TLS_CLIENT_CERT",
                        key: String? = "WHARF_TEST_TLS_CLIENT_KEY") throws -> TLSContext {
        try TLSContext(client: TLSClientConfiguration(
            certificateAuthorityPEM: try pem(ca), certificatePEM: try cert.map(pem), privateKeyPEM: try key.map(pem)))
    }

    static func engineB(_ context: TLSContext? = nil, url: String? = nil, timeouts: DockerTimeouts = DockerTimeouts()) throws -> DockerClient {
        let endpoint = try DockerEndpoint(parsing: try url ?? Fleet.variable("WHARF_TEST_ENGINE_B"), tls: try context ?? Self.context())
        return DockerClient(endpoint: endpoint, group: Fleet.group, timeouts: timeouts)
    }

    /// Whether `error` is a ``DockerError/tls`` whose TLS error satisfies `match`.
    static func isTLS(_ error: any Error, _ match: (TLSError) -> Bool) -> Bool {
        guard case DockerError.tls(_, let underlying) = error else { return false }
        return match(underlying)
    }

    @Test func mutualTLSEngineAnswersTypedCalls() async throws {
        let client = try Self.engineB()
        #expect(try await client.apiVersion() == DockerAPIVersion(major: 1, minor: 41))
        let info = try await client.info()
        #expect(info.id != (try await Fleet.engineA().info().id))
        try await Fleet.withContainer(client, ["sh", "-c", "echo over-tls; echo err >&2"]) { id in
            try await client.startContainer(id)
            #expect(try await client.waitContainer(id) == 0)
            var chunks: [DockerLogChunk] = []
            for try await chunk in try await client.containerLogs(id) { chunks.append(chunk) }
            #expect(text(chunks, .stdout) == "over-tls\n")
            #expect(text(chunks, .stderr) == "err\n")
        }
        let images = try await client.listImages(filters: ["reference": try Fleet.busybox()])
        #expect(images.count == 1)
    }

    @Test func warmRequestsPayNoHandshake() async throws {
        let client = try Self.engineB()
        _ = try await client.ping()
        for _ in 0..<30 { _ = try await client.ping() }
        _ = try await client.listContainers(all: true)
        #expect(client.pool.openedCount == 1)
    }

    @Test func abandonedTLSStreamClosesItsConnection() async throws {
        let client = try Self.engineB()
        let body = try await client.saveImage(try Fleet.busybox())
        var iterator = body.makeAsyncIterator()
        _ = try await iterator.next()
        body.close()
        #expect(client.pool.idleCount == 0)
        #expect(try await client.ping().apiVersion == "1.41")
        #expect(client.pool.openedCount == 2)
    }

    @Test func wrongCAIsATLSError() async throws {
        let client = try Self.engineB(try Self.context(ca: "WHARF_TEST_TLS_WRONG_CA"))
        await #expect { try await client.ping() } throws: { error in
            Self.isTLS(error) { if case .unknownCertificateAuthority = $0 { true } else { false } }
                && (error as? DockerError)?.description.contains(client.address) == true
        }
    }

    @Test func missingOrWrongClientCertificateIsRefused() async throws {
        for context in [try Self.context(cert: nil, key: nil),
                        try Self.context(cert: "WHARF_TEST_TLS_WRONG_CLIENT_CERT", key: "WHARF_TEST_TLS_WRONG_CLIENT_KEY")] {
            let client = try Self.engineB(context)
            await #expect { try await client.ping() } throws: { error in
                Self.isTLS(error) { if case .clientCertificateRefused = $0 { true } else { false } }
            }
        }
    }

    @Test func expiredAndMismatchedServerCertificatesAreRefused() async throws {
        let expired = try Self.engineB(url: "tcp://\(try Fleet.variable("WHARF_TEST_TLS_EXPIRED_ADDR"))")
        await #expect { try await expired.ping() } throws: { error in
            Self.isTLS(error) { if case .certificateExpired = $0 { true } else { false } }
        }
        let mismatch = try Self.engineB(url: "tcp://\(try Fleet.variable("WHARF_TEST_TLS_MISMATCH_ADDR"))")
        await #expect { try await mismatch.ping() } throws: { error in
            Self.isTLS(error) { if case .nameMismatch(let expected, _) = $0 { expected == "127.0.0.1" } else { false } }
        }
    }

    @Test func plainEngineSpokenToWithTLSIsNotTLS() async throws {
        let plain = try Fleet.variable("WHARF_TEST_ENGINE_C")
        let client = try Self.engineB(url: plain)
        await #expect { try await client.ping() } throws: { error in
            Self.isTLS(error) { $0 == .notTLS }
        }
    }

    @Test func silentTLSPeerTimesOutInTheHandshake() async throws {
        let loop = Fleet.group.next()
        let listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: loop)
        let port = try listener.localAddress().port ?? 0
        let held = Locked<[Socket]>([])
        let acceptor = Task {
            while !Task.isCancelled {
                guard let (fd, _) = try listener.accept() else {
                    try await listener.readiness.wait(.read)
                    continue
                }
                let socket = try Socket(adopting: fd, loop: loop)
                held.withLock { $0.append(socket) }
            }
        }
        defer {
            acceptor.cancel()
            listener.close()
            for socket in held.value { socket.close() }
        }
        var timeouts = DockerTimeouts()
        timeouts.tlsHandshake = 0.4
        let client = try Self.engineB(url: "https://127.0.0.1:\(port)", timeouts: timeouts)
        await #expect { try await client.ping() } throws: { error in
            guard case DockerError.timedOut(let address, .tlsHandshake) = error else { return false }
            return address == "https://127.0.0.1:\(port)"
        }
    }

    @Test func closedTLSPortIsUnreachableWithTheHTTPSAddress() async throws {
        let listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: Fleet.group.next())
        let port = try listener.localAddress().port ?? 0
        listener.close()
        let client = try Self.engineB(url: "https://127.0.0.1:\(port)")
        await #expect { try await client.ping() } throws: { error in
            guard case DockerError.unreachable(let address, _) = error else { return false }
            return address == "https://127.0.0.1:\(port)"
        }
    }

    @Test func httpsNeedsATLSContext() {
        #expect(throws: DockerError.self) { try DockerEndpoint(parsing: "https://127.0.0.1:2376") }
    }
}
