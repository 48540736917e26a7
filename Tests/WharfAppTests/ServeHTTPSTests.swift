import FoundationEssentials
import Glibc
import Testing
import WharfApp
import WharfIO
import WharfTLS
import WharfTestSupport

/// `wharf serve` serving HTTPS itself, through the built binary: the self-signed certificate,
/// `Secure` `__Host-` cookies and HSTS, the 308 redirect listener, plain HTTP on the TLS port,
/// and SIGHUP reloading the certificate while a connection stays open.
@Suite struct ServeHTTPSTests {
    /// A running `wharf serve` with its HTTPS port (and the redirect listener's, if asked for).
    struct Server {
        let child: ChildProcess
        let port: UInt16
        let redirectPort: UInt16?
        var address: SocketAddress { get throws { try SocketAddress(ip: "127.0.0.1", port: port) } }

        func stop() async {
            child.signal(SIGTERM)
            #expect(await child.waitForExit(timeout: 15) == 0, "\(child.standardError)")
        }
    }

    static func start(_ arguments: [String], data: String, redirect: Bool = false) async throws -> Server {
        let child = try ChildProcess(ServeCommandTests.executable, ["serve"] + arguments + (redirect ? ["--http-redirect", "127.0.0.1:0"] : []), environment: [
            "WHARF_LISTEN": "127.0.0.1:0", "WHARF_DATA_DIR": data, "WHARF_RESOURCES": ApplicationHarness.repositoryRoot,
        ])
        guard await child.waitForError(containing: "/setup?token=", timeout: 20) else {
            child.signal(SIGKILL)
            throw StartFailure(description: "wharf serve did not start: \(child.standardError)")
        }
        guard let line = child.standardError.firstMatch(of: /listening on https:\/\/127\.0\.0\.1:([0-9]+)/), let port = UInt16(String(line.1)) else {
            child.signal(SIGKILL)
            throw StartFailure(description: "wharf serve did not say it listens on https: \(child.standardError)")
        }
        let redirectPort = child.standardError.firstMatch(of: /redirecting http:\/\/127\.0\.0\.1:([0-9]+) to HTTPS/).flatMap { UInt16(String($0.1)) }
        return Server(child: child, port: port, redirectPort: redirectPort)
    }

    struct StartFailure: Error, CustomStringConvertible { let description: String }

    static func curl(_ arguments: [String]) async throws -> (status: Int32?, out: String, err: String) {
        let child = try ChildProcess("/usr/bin/curl", ["-sS", "--max-time", "10"] + arguments)
        let status = await child.waitForExit(timeout: 20)
        return (status, child.standardOutput, child.standardError)
    }

    @Test func aSelfSignedCertificateServesHTTPSWithSecureCookiesHSTSAndARedirectListener() async throws {
        let data = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let server = try await Self.start(["--tls-self-signed", "--no-access-log"], data: data, redirect: true)
        defer { server.child.signal(SIGKILL) }  // a failed expectation that throws must not leave it running
        let err = server.child.standardError
        #expect(err.contains("made a new self-signed certificate (there was none)"), "\(err)")
        #expect(err.contains("  https://127.0.0.1:\(server.port)/setup?token="), "the setup address is https: \(err)")
        let fingerprint = try #require(err.firstMatch(of: /fingerprint is ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/).map { String($0.1) })
        let openssl = try ChildProcess("/usr/bin/openssl", ["x509", "-in", data + "/tls-self-signed.crt", "-noout", "-fingerprint", "-sha256"])
        #expect(await openssl.waitForExit(timeout: 10) == 0)
        #expect(openssl.standardOutput == "sha256 Fingerprint=\(fingerprint)\n")

        // Pinned by its own certificate, curl reaches the sign-in page: HSTS, and the pre-session
        // cookie Secure with the __Host- prefix.
        let page = try await Self.curl(["-i", "--cacert", data + "/tls-self-signed.crt", "https://127.0.0.1:\(server.port)/signin"])
        #expect(page.status == 0, "\(page.err)")
        let head = page.out.lowercased()
        #expect(head.hasPrefix("http/1.1 200"), "\(page.out.prefix(300))")
        #expect(head.contains("strict-transport-security: max-age=31536000"), "\(page.out.prefix(800))")
        #expect(head.contains("set-cookie: __host-wharf_pre="), "\(page.out.prefix(800))")
        let cookie = try #require(page.out.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie: __host-") })
        #expect(cookie.contains("; Secure") && cookie.contains("Path=/") && !cookie.contains("Domain="), "\(cookie)")

        // The plain listener redirects with 308, method and path kept.
        let redirectPort = try #require(server.redirectPort, "\(err)")
        let redirect = try await Self.curl(["-i", "-X", "POST", "http://127.0.0.1:\(redirectPort)/signin?next=%2Fhosts"])
        #expect(redirect.out.hasPrefix("HTTP/1.1 308 Permanent Redirect"), "\(redirect.out)")
        #expect(redirect.out.contains("Location: https://127.0.0.1:\(server.port)/signin?next=%2Fhosts\r\n"), "\(redirect.out)")
        #expect(!redirect.out.lowercased().contains("set-cookie"))
        let rebound = try await Self.curl(["-i", "-H", "Host: rebound.example", "http://127.0.0.1:\(redirectPort)/"])
        #expect(rebound.out.hasPrefix("HTTP/1.1 421"), "a name Wharf does not answer for is not redirected: \(rebound.out)")

        // `wharf healthcheck` (the container's HEALTHCHECK) asks over TLS, pinned to the served certificate.
        let healthy = try ChildProcess(ServeCommandTests.executable, ["healthcheck"], environment: [
            "WHARF_LISTEN": "127.0.0.1:\(server.port)", "WHARF_TLS_SELF_SIGNED": "1", "WHARF_DATA_DIR": data,
        ])
        #expect(await healthy.waitForExit(timeout: 10) == 0, "\(healthy.standardError)")
        let plainCheck = try ChildProcess(ServeCommandTests.executable, ["healthcheck", "--listen", "127.0.0.1:\(server.port)"])
        #expect(await plainCheck.waitForExit(timeout: 10) == 1, "plain HTTP to the HTTPS port is not healthy")

        // Plain HTTP to the HTTPS port: 400 saying so, and a log line naming the client.
        let plain = try await Self.curl(["-i", "http://127.0.0.1:\(server.port)/healthz"])
        #expect(plain.out.hasPrefix("HTTP/1.1 400 Bad Request"), "\(plain.out)")
        #expect(plain.out.contains("This port speaks HTTPS"))
        #expect(await server.child.waitForError(containing: "failed: A client sent plain HTTP to the HTTPS port", timeout: 5),
                "\(server.child.standardError)")
        await server.stop()

        // Kept: the same certificate and fingerprint on the next start.
        let again = try await Self.start(["--tls-self-signed", "--no-access-log"], data: data)
        defer { again.child.signal(SIGKILL) }
        #expect(again.child.standardError.contains("using the self-signed certificate"), "\(again.child.standardError)")
        #expect(again.child.standardError.contains(fingerprint))
        await again.stop()
    }

    @Test func sighupReloadsTheCertificateWhileAnOpenConnectionGoesOn() async throws {
        let data = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let first = try TestCertificate.make()
        defer { first.remove() }
        let second = try TestCertificate.make()
        defer { second.remove() }
        let folder = try TestCertificate.folder()
        defer { TestCertificate.removeFolder(folder) }
        try first.install(in: folder)
        let server = try await Self.start(["--tls-cert", folder + "/cert.pem", "--tls-key", folder + "/key.pem"], data: data)
        defer { server.child.signal(SIGKILL) }  // a failed expectation that throws must not leave it running
        let address = try server.address
        try await HTTPSTestClient.withLoop { loop in
            let open = try await HTTPSTestClient.connect(address, trusting: first, loop: loop)
            defer { open.close() }
            #expect(try await open.get("/healthz").status == 200)

            try second.install(in: folder)
            server.child.signal(SIGHUP)
            #expect(await server.child.waitForError(containing: "received SIGHUP: reloaded the TLS certificate", timeout: 10),
                    "\(server.child.standardError)")
            #expect(try await open.get("/healthz").status == 200, "the connection opened before the reload goes on")
            let healthy = try ChildProcess(ServeCommandTests.executable, [
                "healthcheck", "--listen", "127.0.0.1:\(server.port)", "--tls-cert", folder + "/cert.pem",
            ])
            #expect(await healthy.waitForExit(timeout: 10) == 0, "\(healthy.standardError)")
            let fresh = try await HTTPSTestClient.connect(address, trusting: second, loop: loop)
            #expect(try await fresh.get("/healthz").status == 200)
            fresh.close()
            await #expect(throws: TLSError.self, "new connections get the new certificate") {
                _ = try await HTTPSTestClient.connect(address, trusting: first, loop: loop)
            }

            // A broken certificate file: the reload is refused and the one in use stays.
            let broken = Glibc.open(folder + "/cert.pem", O_WRONLY | O_TRUNC)
            _ = Array("not a certificate".utf8).withUnsafeBytes { write(broken, $0.baseAddress, $0.count) }
            close(broken)
            server.child.signal(SIGHUP)
            #expect(await server.child.waitForError(containing: "the TLS certificate was NOT reloaded", timeout: 10),
                    "\(server.child.standardError)")
            let still = try await HTTPSTestClient.connect(address, trusting: second, loop: loop)
            #expect(try await still.get("/healthz").status == 200)
            still.close()
            #expect(try await open.get("/healthz").status == 200)
        }
        await server.stop()
    }

    @Test func sighupWithoutTLSDoesNotStopTheServer() async throws {
        let data = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let child = try ChildProcess(ServeCommandTests.executable, ["serve", "--no-access-log"], environment: [
            "WHARF_LISTEN": "127.0.0.1:0", "WHARF_DATA_DIR": data, "WHARF_RESOURCES": ApplicationHarness.repositoryRoot,
        ])
        defer { child.signal(SIGKILL) }
        #expect(await child.waitForError(containing: "/setup?token=", timeout: 20), "\(child.standardError)")
        child.signal(SIGHUP)
        #expect(await child.waitForError(containing: "received SIGHUP: no TLS certificate to reload", timeout: 10), "\(child.standardError)")
        child.signal(SIGTERM)
        #expect(await child.waitForExit(timeout: 15) == 0)
    }
}
