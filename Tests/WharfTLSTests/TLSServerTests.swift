import Glibc
import Synchronization
import Testing
import WharfIO
import WharfTLS
import WharfTestSupport

/// The server side of WharfTLS against real clients: `curl` and `openssl s_client` on loopback,
/// talking to ``TLSTestServer`` (WharfTLS's accept on the event loop).
@Suite struct TLSServerTests {
    /// Runs a command to completion (30 s at most) with `input` on its stdin.
    static func run(_ path: String, _ arguments: [String], input: [UInt8]? = nil) async throws -> (status: Int32?, out: String, err: String) {
        let child = try WharfTestSupport.ChildProcess(path, arguments, input: input)
        let status = await child.waitForExit(timeout: 30)
        return (status, child.standardOutput, child.standardError)
    }

    static func serverContext(_ certificates: TestCertificates, _ name: String = "server") throws -> TLSServerContext {
        try TLSServerContext(certificateFile: certificates.path("\(name)-cert.pem"), keyFile: certificates.path("\(name)-key.pem"))
    }

    /// A fresh folder for files a test writes.
    static func folder() throws -> String {
        var template = Array("/tmp/wharf-tls-server-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError(code: errno, operation: "mkdtemp") }
        return String(cString: made)
    }

    static func removeFolder(_ path: String) {
        if let handle = opendir(path) {
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(handle)
        }
        rmdir(path)
    }

    @Test func curlGetsAnAnswerOverTLS13WithALPNHTTP11() async throws {
        let certificates = try await TestCertificates.shared()
        let context = try Self.serverContext(certificates)
        let server = try await TLSTestServer { context }
        let result = try await Self.run("/usr/bin/curl", [
            "-sS", "--cacert", certificates.path("ca.pem"), "https://localhost:\(server.port)/",
        ])
        await server.stop()
        #expect(result.status == 0, "\(result.err)")
        // curl offers h2 and http/1.1 (when built with HTTP/2); the server picks http/1.1.
        #expect(result.out == "alpn=http/1.1 resumed=false version=TLSv1.3\n", "\(result.out)")
    }

    @Test(arguments: [["-tls1_3"], ["-tls1_2"]])
    func aSecondConnectionResumesTheSession(flags: [String]) async throws {
        let certificates = try await TestCertificates.shared()
        let context = try Self.serverContext(certificates)
        let server = try await TLSTestServer { context }
        let folder = try Self.folder()
        defer { Self.removeFolder(folder) }
        let request = Array("GET / HTTP/1.0\r\n\r\n".utf8)
        func connect(_ session: [String]) async throws -> String {
            let result = try await Self.run("/usr/bin/openssl", [
                "s_client", "-connect", "127.0.0.1:\(server.port)", "-CAfile", certificates.path("ca.pem"),
                "-alpn", "http/1.1", "-ign_eof",
            ] + flags + session, input: request)
            #expect(result.status == 0, "\(result.err)")
            return result.out
        }
        let first = try await connect(["-sess_out", folder + "/session.pem"])
        #expect(first.contains("ALPN protocol: http/1.1"), "\(first)")
        #expect(first.contains("resumed=false"))
        let second = try await connect(["-sess_in", folder + "/session.pem"])
        #expect(second.contains("Reused, TLSv1."), "\(second)")
        #expect(second.contains("resumed=true"), "\(second)")
        let outcomes = await server.outcomes(count: 2)
        await server.stop()
        #expect(outcomes.count == 2)
        #expect(outcomes.last == .established(alpn: "http/1.1", resumed: true, version: flags == ["-tls1_2"] ? "TLSv1.2" : "TLSv1.3"))
    }

    @Test func plainHTTPOnTheTLSPortIsAnswered400AndNamed() async throws {
        let certificates = try await TestCertificates.shared()
        let context = try Self.serverContext(certificates)
        let server = try await TLSTestServer { context }
        let result = try await Self.run("/usr/bin/curl", ["-sS", "-i", "http://127.0.0.1:\(server.port)/"])
        let outcomes = await server.outcomes(count: 1)
        await server.stop()
        #expect(result.out.hasPrefix("HTTP/1.1 400 Bad Request"), "\(result.out) \(result.err)")
        #expect(result.out.contains("This port speaks HTTPS: use an https:// address."))
        #expect(outcomes == [.failed(.plainHTTPRequest)])
    }

    @Test func aClientThatDoesNotTrustTheCertificateIsNamedByItsAlert() async throws {
        let certificates = try await TestCertificates.shared()
        let context = try Self.serverContext(certificates)
        let server = try await TLSTestServer { context }
        let result = try await Self.run("/usr/bin/curl", [
            "-sS", "--cacert", certificates.path("wrong-ca.pem"), "https://localhost:\(server.port)/",
        ])
        let outcomes = await server.outcomes(count: 1)
        await server.stop()
        #expect(result.status != 0)
        #expect(outcomes == [.failed(.clientAlert(alert: "unknown ca"))], "\(outcomes)")
        #expect(TLSError.clientAlert(alert: "unknown ca").description.contains("does not trust Wharf's certificate"))
    }

    @Test func aClientOfferingOnlyTLS11IsRefused() async throws {
        let certificates = try await TestCertificates.shared()
        let context = try Self.serverContext(certificates)
        let server = try await TLSTestServer { context }
        // The client lowers its own security level so that it offers TLS 1.1 at all.
        let result = try await Self.run("/usr/bin/openssl", [
            "s_client", "-connect", "127.0.0.1:\(server.port)", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
        ], input: [])
        let outcomes = await server.outcomes(count: 1)
        await server.stop()
        #expect(result.status != 0)
        #expect(outcomes == [.failed(.clientVersionTooOld)], "\(outcomes)")
    }

    @Test func aSilentClientIsDroppedAtTheHandshakeDeadline() async throws {
        let certificates = try await TestCertificates.shared()
        let context = try Self.serverContext(certificates)
        let server = try await TLSTestServer(handshakeDeadline: 0.3) { context }
        try await TLSTestHarness.withLoop("tls-silent-client") { loop in
            let socket = try await Socket.connect(to: try SocketAddress(ip: "127.0.0.1", port: server.port), loop: loop)
            defer { socket.close() }
            // Two bytes of a record header, then nothing: the handshake never completes.
            try await socket.write([0x16, 0x03], deadline: .after(seconds: 5))
            let outcomes = await server.outcomes(count: 1)
            #expect(outcomes == [.failed(.clientHandshakeTimedOut)])
            let buffer = ByteBuffer()
            #expect(try await socket.read(into: buffer, deadline: .after(seconds: 5)) == 0, "the server closed the connection")
        }
        await server.stop()
    }

    @Test func aReloadServesNewConnectionsWithTheNewCertificateAndKeepsOldOnes() async throws {
        let certificates = try await TestCertificates.shared()
        let folder = try Self.folder()
        defer { Self.removeFolder(folder) }
        func install(_ name: String) throws {
            try SelfSignedCertificateFiles.copy(certificates.path("\(name)-cert.pem"), to: folder + "/cert.pem")
            try SelfSignedCertificateFiles.copy(certificates.path("\(name)-key.pem"), to: folder + "/key.pem")
        }
        try install("server")
        let reloadable = try ReloadableTLSServerContext(certificateFile: folder + "/cert.pem", keyFile: folder + "/key.pem")
        let server = try await TLSTestServer { reloadable.current }
        try await TLSTestHarness.withLoop("tls-reload") { loop in
            let both = TLSClientConfiguration(certificateAuthorityPEM: certificates.bytes("ca.pem") + certificates.bytes("wrong-ca.pem"))
            let client = try TLSContext(client: both)
            let old = try await TLSTestHarness.connect(port: server.port, context: client, serverName: "127.0.0.1", loop: loop)
            defer { old.close() }
            #expect(old.peerCertificate?.subject == "O=Wharf Tests, CN=wharf-test-server")
            try await old.write(Array("one\n".utf8), deadline: .after(seconds: 5))
            #expect(try await Self.readLine(old) == "echo one")

            // A broken key file: the reload fails and the previous certificate stays in use.
            try SelfSignedCertificateFiles.copy(certificates.path("client-cert.pem"), to: folder + "/key.pem")
            #expect(throws: TLSError.self) { try reloadable.reload() }
            #expect(reloadable.current.certificate.subject == "O=Wharf Tests, CN=wharf-test-server")

            try install("rogue-server")
            let info = try reloadable.reload()
            #expect(info.subject == "CN=wharf-rogue-server")
            let fresh = try await TLSTestHarness.connect(port: server.port, context: client, serverName: "127.0.0.1", loop: loop)
            defer { fresh.close() }
            #expect(fresh.peerCertificate?.subject == "CN=wharf-rogue-server")
            // The connection made before the reload still works, with its certificate.
            try await old.write(Array("two\n".utf8), deadline: .after(seconds: 5))
            #expect(try await Self.readLine(old) == "echo two")
        }
        await server.stop()
    }

    static func readLine(_ connection: TLSConnection) async throws -> String {
        let buffer = ByteBuffer()
        var bytes: [UInt8] = []
        while !bytes.contains(UInt8(ascii: "\n")) {
            let count = try await connection.read(into: buffer, chunk: 1024, deadline: .after(seconds: 5))
            if count == 0 { break }
            bytes += buffer.readBytes(upTo: count)
        }
        return String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }

    @Test func serverContextErrorsNameTheFileAndWhatIsWrong() async throws {
        let c = try await TestCertificates.shared()
        #expect(throws: TLSError.serverKeyDoesNotMatchCertificate) {
            try TLSServerContext(certificateFile: c.path("server-cert.pem"), keyFile: c.path("client-key.pem"))
        }
        #expect(throws: TLSError.encryptedServerKey) {
            try TLSServerContext(certificateFile: c.path("client-cert.pem"), keyFile: c.path("encrypted-client-key.pem"))
        }
        #expect(throws: TLSError.unexpectedPEM(.serverCertificate, found: ["PRIVATE KEY"])) {
            try TLSServerContext(certificateFile: c.path("server-key.pem"), keyFile: c.path("server-key.pem"))
        }
        #expect(throws: TLSError.unreadableFile(path: "/nonexistent/cert.pem", reason: "No such file or directory")) {
            try TLSServerContext(certificateFile: "/nonexistent/cert.pem", keyFile: c.path("server-key.pem"))
        }
        #expect(TLSError.serverKeyDoesNotMatchCertificate.description.contains("--tls-key"))
    }
}

/// Copying test files into place.
enum SelfSignedCertificateFiles {
    static func copy(_ source: String, to destination: String) throws {
        let bytes = ChildProcess.readBytes(source)
        let fd = open(destination + ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError(code: errno, operation: "open \(destination)") }
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard rename(destination + ".tmp", destination) == 0 else { throw SystemError(code: errno, operation: "rename") }
    }
}
