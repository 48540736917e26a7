import Testing
import WharfIO
import WharfTLS

/// Handshakes against `openssl s_server` on loopback: mutual TLS that works, and each failure a
/// user can meet, with the error it must produce.
@Suite struct TLSHandshakeTests {
    /// `s_server` presenting `<server>-cert.pem`, requiring a client certificate from the test CA.
    static func server(
        _ certificates: TestCertificates, cert server: String = "server", mode: String = "-www", extra: [String] = []
    ) async throws -> OpenSSLServer {
        try await OpenSSLServer(
            ["-Verify", "1", "-verify_return_error", "-CAfile", certificates.path("ca.pem"),
             "-cert", certificates.path("\(server)-cert.pem"), "-key", certificates.path("\(server)-key.pem"), mode] + extra,
            certificates: certificates)
    }

    @Test(arguments: [[], ["-tls1_2"]])
    func mutualTLSRoundTripReturnsTheServersAnswer(serverFlags: [String]) async throws {
        let certificates = try await TestCertificates.shared()
        let server = try await Self.server(certificates, extra: serverFlags)
        defer { server.stop() }
        try await TLSTestHarness.withLoop("tls-ok") { loop in
            let context = try TLSTestHarness.context(certificates)
            let connection = try await TLSTestHarness.connect(port: server.port, context: context, loop: loop)
            defer { connection.close() }
            #expect(connection.protocolVersion == (serverFlags.isEmpty ? "TLSv1.3" : "TLSv1.2"))
            #expect(connection.peerCertificate?.subjectAlternativeNames == ["IP:127.0.0.1", "DNS:localhost"])
            #expect(!connection.isPeerClosed)
            try await connection.write(Array("GET / HTTP/1.0\r\n\r\n".utf8), deadline: .after(seconds: 10))
            let answer = String(decoding: try await TLSTestHarness.readToEnd(connection), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.0 200 ok"), "\(answer.prefix(200))")
            // s_server -www ends with close_notify: end of stream, and the connection is done.
            #expect(connection.peerSentCloseNotify)
            #expect(connection.isPeerClosed)
        }
    }

    /// With `-servername <name> -servername_fatal`, s_server ends the handshake when the client
    /// sends SNI with another name, and accepts a client that sends none.
    @Test func aHostNameIsVerifiedAndSentAsSNIButAnIPAddressIsNot() async throws {
        let certificates = try await TestCertificates.shared()
        func sniServer(_ name: String) async throws -> OpenSSLServer {
            try await Self.server(certificates, extra: ["-servername", name, "-servername_fatal",
                "-cert2", certificates.path("server-cert.pem"), "-key2", certificates.path("server-key.pem")])
        }
        let localhost = try await sniServer("localhost")
        defer { localhost.stop() }
        let other = try await sniServer("other.example")
        defer { other.stop() }
        try await TLSTestHarness.withLoop("tls-sni") { loop in
            let context = try TLSTestHarness.context(certificates)
            let answer = try await TLSTestHarness.exchange(port: localhost.port, context: context, serverName: "localhost", loop: loop)
            #expect(answer.hasPrefix("HTTP/1.0 200 ok"))
            await #expect(throws: TLSError.alertReceived(alert: "unrecognized name")) {
                _ = try await TLSTestHarness.connect(port: other.port, context: context, serverName: "localhost", loop: loop)
            }
            let byAddress = try await TLSTestHarness.exchange(port: other.port, context: context, serverName: "127.0.0.1", loop: loop)
            #expect(byAddress.hasPrefix("HTTP/1.0 200 ok"))
        }
    }

    @Test func aServerCertificateFromAnotherCAIsAnUnknownAuthority() async throws {
        let certificates = try await TestCertificates.shared()
        let server = try await Self.server(certificates, cert: "rogue-server")
        defer { server.stop() }
        try await TLSTestHarness.withLoop("tls-unknown-ca") { loop in
            let context = try TLSTestHarness.context(certificates)
            let expected = TLSError.unknownCertificateAuthority(certificate: "CN=wharf-rogue-server", issuer: "CN=Wharf Wrong CA")
            await #expect(throws: expected) {
                _ = try await TLSTestHarness.connect(port: server.port, context: context, loop: loop)
            }
            #expect(expected.description.contains("CN=Wharf Wrong CA, which is not in the CA bundle"))
        }
    }

    @Test func anExpiredServerCertificateSaysWhenItExpired() async throws {
        let certificates = try await TestCertificates.shared()
        let server = try await Self.server(certificates, cert: "expired")
        defer { server.stop() }
        let info = try #require(try CertificateInfo.parse(pem: certificates.bytes("expired-cert.pem")).first)
        try await TLSTestHarness.withLoop("tls-expired") { loop in
            let context = try TLSTestHarness.context(certificates)
            let expected = TLSError.certificateExpired(certificate: "CN=wharf-expired-server", notAfter: info.notAfter)
            await #expect(throws: expected) {
                _ = try await TLSTestHarness.connect(port: server.port, context: context, loop: loop)
            }
            #expect(expected.description.contains("expired on 20"))
        }
    }

    @Test func aServerCertificateNotValidYetIsReported() async throws {
        let certificates = try await TestCertificates.shared()
        let server = try await Self.server(certificates, cert: "future")
        defer { server.stop() }
        let info = try #require(try CertificateInfo.parse(pem: certificates.bytes("future-cert.pem")).first)
        try await TLSTestHarness.withLoop("tls-future") { loop in
            let context = try TLSTestHarness.context(certificates)
            await #expect(throws: TLSError.certificateNotYetValid(certificate: "CN=wharf-future-server", notBefore: info.notBefore)) {
                _ = try await TLSTestHarness.connect(port: server.port, context: context, loop: loop)
            }
        }
    }

    @Test(arguments: ["wrong.example", "127.0.0.2", "::1"])
    func aNameTheCertificateDoesNotListIsAMismatchNamingBoth(name: String) async throws {
        let certificates = try await TestCertificates.shared()
        let server = try await Self.server(certificates)
        defer { server.stop() }
        try await TLSTestHarness.withLoop("tls-mismatch") { loop in
            let context = try TLSTestHarness.context(certificates)
            let expected = TLSError.nameMismatch(expected: name, certificateNames: ["IP:127.0.0.1", "DNS:localhost"])
            await #expect(throws: expected) {
                _ = try await TLSTestHarness.connect(port: server.port, context: context, serverName: name, loop: loop)
            }
            #expect(expected.description.contains("not valid for \(name); it names IP:127.0.0.1, DNS:localhost"))
        }
    }

    /// TLS 1.3 clients finish their side of the handshake before the server checks the client
    /// certificate, so the alert may arrive at connect or at the first read.
    @Test(arguments: [
        (nil, [], "certificate required"), (nil, ["-tls1_2"], "handshake failure"),
        ("wrong-client", [], "unknown ca"), ("wrong-client", ["-tls1_2"], "unknown ca"),
    ] as [(String?, [String], String)])
    func aServerThatRefusesTheClientCertificateSaysWhichAlert(client: String?, serverFlags: [String], alert: String) async throws {
        let certificates = try await TestCertificates.shared()
        let server = try await Self.server(certificates, extra: serverFlags)
        defer { server.stop() }
        try await TLSTestHarness.withLoop("tls-refused") { loop in
            let context = try TLSTestHarness.context(certificates, client: client)
            await #expect(throws: TLSError.clientCertificateRefused(alert: alert)) {
                _ = try await TLSTestHarness.exchange(port: server.port, context: context, loop: loop)
            }
        }
    }

    /// The server has sent its alert and hung up before Wharf writes: the write that meets the
    /// reset must still report the alert, not "connection reset by peer".
    @Test func aWriteAfterTheServerRefusedTheCertificateReportsTheAlert() async throws {
        let certificates = try await TestCertificates.shared()
        let server = try await Self.server(certificates)
        defer { server.stop() }
        try await TLSTestHarness.withLoop("tls-refused-write") { loop in
            let context = try TLSTestHarness.context(certificates, client: "wrong-client")
            let connection = try await TLSTestHarness.connect(port: server.port, context: context, loop: loop)
            defer { connection.close() }
            #expect(await eventuallyTrue { connection.isPeerClosed }, "the server hung up")
            await #expect(throws: TLSError.clientCertificateRefused(alert: "unknown ca")) {
                for _ in 0..<200 {
                    try await connection.write(Array(repeating: 0x41, count: 1000), deadline: .after(seconds: 5))
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
        }
    }
}
