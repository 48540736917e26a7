import Glibc
import Testing
import WharfIO
import WharfTLS

/// The TLS client against the test fleet's real Docker engine B (dockerd `--tlsverify`) and its
/// TLS endpoints. Without the fleet's environment these record nothing, unless
/// `WHARF_REQUIRE_FLEET=1`, when a missing fleet is a failure.
@Suite struct EngineBTLSTests {
    struct Fleet {
        let engine: (host: String, port: UInt16)
        let plainEngine: (host: String, port: UInt16)?
        let expired: (host: String, port: UInt16)
        let mismatch: (host: String, port: UInt16)
        let ca, cert, key, wrongCA, wrongCert, wrongKey: [UInt8]
    }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// "tcp://127.0.0.1:23760" or "127.0.0.1:23760" → host and port.
    static func hostAndPort(_ text: String) -> (host: String, port: UInt16)? {
        let address = text.hasPrefix("tcp://") ? String(text.dropFirst(6)) : text
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else { return nil }
        return (String(address[..<colon]), port)
    }

    /// The fleet from the environment; nil (after recording an issue if the fleet is required) when absent.
    static func fleet() -> Fleet? {
        let names = ["WHARF_TEST_ENGINE_B", "WHARF_TEST_TLS_CA", "WHARF_TEST_TLS_CLIENT_CERT", "WHARF_TEST_TLS_CLIENT_KEY",
                     "WHARF_TEST_TLS_WRONG_CA", "WHARF_TEST_TLS_WRONG_CLIENT_CERT", "WHARF_TEST_TLS_WRONG_CLIENT_KEY",
                     "WHARF_TEST_TLS_EXPIRED_ADDR", "WHARF_TEST_TLS_MISMATCH_ADDR"]
        let values = names.map(environment)
        guard values.allSatisfy({ $0 != nil }), let engine = hostAndPort(values[0] ?? ""),
              let expired = hostAndPort(values[7] ?? ""), let mismatch = hostAndPort(values[8] ?? "") else {
            if environment("WHARF_REQUIRE_FLEET") == "1" {
                let missing = zip(names, values).filter { $0.1 == nil }.map(\.0)
                let message = "WHARF_REQUIRE_FLEET=1 but the fleet environment is incomplete (missing \(missing)); "
                    + "run eval \"$(deploy/dev/fleet.sh start)\""
                Issue.record(Comment(rawValue: message))
            }
            return nil
        }
        func file(_ index: Int) -> [UInt8] { ChildProcess.readBytes(values[index] ?? "") }
        return Fleet(
            engine: engine, plainEngine: environment("WHARF_TEST_ENGINE_C").flatMap(hostAndPort),
            expired: expired, mismatch: mismatch,
            ca: file(1), cert: file(2), key: file(3), wrongCA: file(4), wrongCert: file(5), wrongKey: file(6))
    }

    static func context(ca: [UInt8], cert: [UInt8]?, key: [UInt8]?) throws -> TLSContext {
        try TLSContext(client: TLSClientConfiguration(certificateAuthorityPEM: ca, certificatePEM: cert, privateKeyPEM: key))
    }

    /// Connects to `address`, sends `GET /_ping` and returns the whole answer.
    static func ping(_ address: (host: String, port: UInt16), context: TLSContext, loop: EventLoop) async throws -> String {
        let deadline = Deadline.after(seconds: 15)
        let socket = try await Socket.connect(to: try SocketAddress(ip: address.host, port: address.port), loop: loop, deadline: deadline)
        let connection = try await TLSConnection.connect(over: socket, context: context, serverName: address.host, deadline: deadline)
        defer { connection.close() }
        let request = "GET /_ping HTTP/1.1\r\nHost: \(address.host):\(address.port)\r\nConnection: close\r\n\r\n"
        try await connection.write(Array(request.utf8), deadline: deadline)
        return String(decoding: try await TLSTestHarness.readToEnd(connection, deadline: deadline), as: UTF8.self)
    }

    @Test func pingOverMutualTLSAnswersOK() async throws {
        guard let fleet = Self.fleet() else { return }
        try await TLSTestHarness.withLoop("tls-engine-b") { loop in
            let context = try Self.context(ca: fleet.ca, cert: fleet.cert, key: fleet.key)
            // Two connections from one context: a context is built once per host and reused.
            for _ in 0..<2 {
                let answer = try await Self.ping(fleet.engine, context: context, loop: loop)
                #expect(answer.hasPrefix("HTTP/1.1 200 OK"), "\(answer)")
                #expect(answer.hasSuffix("\r\n\r\nOK"), "\(answer)")
            }
        }
    }

    @Test func theWrongCAIsReportedAsUnknown() async throws {
        guard let fleet = Self.fleet() else { return }
        try await TLSTestHarness.withLoop("tls-engine-b-ca") { loop in
            let context = try Self.context(ca: fleet.wrongCA, cert: fleet.cert, key: fleet.key)
            await #expect {
                _ = try await Self.ping(fleet.engine, context: context, loop: loop)
            } throws: { error in
                guard case TLSError.unknownCertificateAuthority(_, let issuer) = error else { return false }
                return issuer == "CN=Wharf Test CA"
            }
        }
    }

    @Test(arguments: [true, false])
    func theEngineRefusesAForeignOrMissingClientCertificate(presentForeign: Bool) async throws {
        guard let fleet = Self.fleet() else { return }
        try await TLSTestHarness.withLoop("tls-engine-b-client") { loop in
            let context = presentForeign
                ? try Self.context(ca: fleet.ca, cert: fleet.wrongCert, key: fleet.wrongKey)
                : try Self.context(ca: fleet.ca, cert: nil, key: nil)
            await #expect {
                _ = try await Self.ping(fleet.engine, context: context, loop: loop)
            } throws: { error in
                guard case TLSError.clientCertificateRefused = error else { return false }
                return true
            }
        }
    }

    @Test func theExpiredAndMismatchedEndpointsAreExplained() async throws {
        guard let fleet = Self.fleet() else { return }
        try await TLSTestHarness.withLoop("tls-engine-b-bad") { loop in
            let context = try Self.context(ca: fleet.ca, cert: fleet.cert, key: fleet.key)
            await #expect {
                _ = try await Self.ping(fleet.expired, context: context, loop: loop)
            } throws: { error in
                guard case TLSError.certificateExpired(let subject, let notAfter) = error else { return false }
                return subject == "CN=127.0.0.1" && notAfter < Int64(time(nil))
            }
            await #expect(throws: TLSError.nameMismatch(expected: fleet.mismatch.host, certificateNames: ["DNS:wrong.example"])) {
                _ = try await Self.ping(fleet.mismatch, context: context, loop: loop)
            }
        }
    }

    @Test func tlsToThePlainTCPEngineSaysItDoesNotSpeakTLS() async throws {
        guard let fleet = Self.fleet(), let plain = fleet.plainEngine else { return }
        try await TLSTestHarness.withLoop("tls-engine-c") { loop in
            let context = try Self.context(ca: fleet.ca, cert: fleet.cert, key: fleet.key)
            await #expect(throws: TLSError.notTLS) {
                _ = try await Self.ping(plain, context: context, loop: loop)
            }
        }
    }
}
