import FoundationEssentials
import Glibc
import Testing
import WharfApp
import WharfIO
import WharfTestSupport

/// `wharf serve`'s production options through the built binary: TLS options checked (HTTPS
/// served: ``ServeHTTPSTests``), `--public-url`, `--trusted-proxy`, `--log-format json`, and
/// `wharf healthcheck`.
@Suite struct ServeProductionOptionsTests {
    static func serve(_ arguments: [String], data: String, environment: [String: String] = [:]) async throws -> (status: Int32?, out: String, err: String) {
        let child = try ChildProcess(ServeCommandTests.executable, ["serve", "--no-access-log"] + arguments, environment: [
            "WHARF_LISTEN": "127.0.0.1:0", "WHARF_DATA_DIR": data, "WHARF_RESOURCES": ApplicationHarness.repositoryRoot,
        ].merging(environment) { $1 })
        let status = await child.waitForExit(timeout: 30)
        return (status, child.standardOutput, child.standardError)
    }

    @Test(arguments: [
        (["--tls-cert", "/tmp/x.pem"], "--tls-key is missing"),
        (["--tls-key", "/tmp/x.pem"], "--tls-cert is missing"),
        (["--tls-self-signed", "--tls-cert", "a", "--tls-key", "b"], "not both"),
        (["--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"], "Cannot read /nonexistent/cert.pem"),
        (["--public-url", "panel.example"], "--public-url"),
        (["--public-url", "https://panel.example/wharf"], "root of its host"),
        (["--trusted-proxy", "10.0.0.0/40"], "--trusted-proxy"),
        (["--log-format", "xml"], "--log-format"),
        (["--http-redirect", "127.0.0.1:0"], "needs --tls-cert and --tls-key or --tls-self-signed"),
        (["--tls-self-signed", "--http-redirect", "localhost:80"], "invalid --http-redirect"),
    ])
    func badProductionOptionsExitTwoSayingWhy(arguments: [String], mention: String) async throws {
        let data = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let result = try await Self.serve(arguments, data: data)
        #expect(result.status == 2)
        #expect(result.err.contains(mention), "\(result.err)")
    }

    /// Starts `wharf serve`, waits until it listens, stops it; its stderr.
    static func startAndStop(_ arguments: [String], data: String, environment: [String: String] = [:]) async throws -> String {
        let child = try ChildProcess(ServeCommandTests.executable, ["serve", "--no-access-log"] + arguments, environment: [
            "WHARF_LISTEN": "127.0.0.1:0", "WHARF_DATA_DIR": data, "WHARF_RESOURCES": ApplicationHarness.repositoryRoot,
        ].merging(environment) { $1 })
        defer { child.signal(SIGKILL) }
        #expect(await child.waitForError(containing: "listening on https://", timeout: 20), "\(child.standardError)")
        child.signal(SIGTERM)
        #expect(await child.waitForExit(timeout: 15) == 0)
        return child.standardError
    }

    @Test func aSelfSignedCertificateIsMadeKeptPrivateAndItsFingerprintPrinted() async throws {
        let data = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try await Self.startAndStop(["--tls-self-signed", "--public-url", "https://panel.example"], data: data)
        #expect(first.contains("made a new self-signed certificate (there was none)"), "\(first)")
        #expect(first.contains("DNS:panel.example"))
        let fingerprint = try #require(first.firstMatch(of: /fingerprint is ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/).map { String($0.1) })
        for name in ["tls-self-signed.crt", "tls-self-signed.key"] {
            var info = stat()
            #expect(stat(data + "/" + name, &info) == 0 && info.st_mode & 0o777 == 0o600, "\(name)")
        }
        let openssl = try ChildProcess("/usr/bin/openssl", ["x509", "-in", data + "/tls-self-signed.crt", "-noout", "-fingerprint", "-sha256"])
        #expect(await openssl.waitForExit(timeout: 10) == 0)
        #expect(openssl.standardOutput == "sha256 Fingerprint=\(fingerprint)\n")
        // Kept: the same certificate on the next start (environment variable this time).
        let second = try await Self.startAndStop(["--public-url", "https://panel.example"], data: data, environment: ["WHARF_TLS_SELF_SIGNED": "1"])
        #expect(second.contains("using the self-signed certificate"), "\(second)")
        #expect(second.contains(fingerprint))
        // Real files given with the environment variables are checked the same way.
        let files = try await Self.startAndStop([], data: data, environment: [
            "WHARF_TLS_CERT": data + "/tls-self-signed.crt", "WHARF_TLS_KEY": data + "/tls-self-signed.key",
        ])
        #expect(files.contains("SHA-256 fingerprint \(fingerprint)"), "\(files)")
    }

    @Test func theSetupAddressUsesThePublicURLAndHealthcheckAnswers() async throws {
        let data = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let child = try ChildProcess(ServeCommandTests.executable, [
            "serve", "--public-url", "https://panel.example", "--trusted-proxy", "127.0.0.1", "--log-format", "json",
        ], environment: [
            "WHARF_LISTEN": "127.0.0.1:0", "WHARF_DATA_DIR": data, "WHARF_RESOURCES": ApplicationHarness.repositoryRoot,
        ])
        defer { child.signal(SIGKILL) }
        #expect(await child.waitForError(containing: "/setup?token=", timeout: 10), "\(child.standardError)")
        #expect(child.standardError.contains("  https://panel.example/setup?token="), "\(child.standardError)")
        let line = try #require(child.standardError.firstMatch(of: /listening on http:\/\/([0-9.]+):([0-9]+)/))
        let listen = "127.0.0.1:\(line.2)"
        let address = try SocketAddress(ip: "127.0.0.1", port: try #require(UInt16(String(line.2))))

        // The access log line is JSON and names the client the proxy forwarded.
        let client = try await RawHTTPClient.connect(to: address)
        try await client.send(Wire.request("GET", "/healthz", headers: [("Host", "panel.example"), ("X-Forwarded-For", "198.51.100.23")]))
        #expect(try await client.readResponse().status == 200)
        await client.close()
        #expect(await child.waitForError(containing: #""client":"198.51.100.23","method":"GET","path":"/healthz","status":200"#, timeout: 5),
                "\(child.standardError)")
        // A name that is not configured: 421.
        let misdirected = try await RawHTTPClient.connect(to: address)
        try await misdirected.send(Wire.request("GET", "/healthz", headers: [("Host", "rebound.example")]))
        #expect(try await misdirected.readResponse().status == 421)
        await misdirected.close()

        let healthy = try ChildProcess(ServeCommandTests.executable, ["healthcheck"], environment: ["WHARF_LISTEN": listen])
        #expect(await healthy.waitForExit(timeout: 10) == 0, "\(healthy.standardError)")
        child.signal(SIGTERM)
        #expect(await child.waitForExit(timeout: 15) == 0)
        let down = try ChildProcess(ServeCommandTests.executable, ["healthcheck", "--listen", listen])
        #expect(await down.waitForExit(timeout: 10) == 1)
        #expect(down.standardError.contains("wharf healthcheck: 127.0.0.1:"), "\(down.standardError)")
    }
}
