import Glibc
import Testing
import WharfIO
import WharfTLS
import WharfTestSupport

/// `--tls-self-signed`: the certificate is made once, kept private, reused, and made again only
/// when it no longer fits; real clients accept it when told to trust it.
@Suite struct SelfSignedCertificateTests {
    static var now: Int64 { Int64(time(nil)) }

    @Test func itIsMadeOnceKeptPrivateAndTrustedByCurlForItsNames() async throws {
        let folder = try TLSServerTests.folder()
        defer { TLSServerTests.removeFolder(folder) }
        let made = try SelfSignedCertificate.loadOrCreate(directory: folder, names: ["localhost", "127.0.0.1", "::1"], now: Self.now)
        #expect(made.createdBecause == "there was none")
        #expect(made.certificate.subjectAlternativeNames == ["DNS:localhost", "IP:127.0.0.1", "IP:::1"])
        for path in [made.certificateFile, made.keyFile] {
            var info = stat()
            #expect(stat(path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600, "\(path)")
        }
        // The fingerprint is the one openssl computes.
        let openssl = try await TLSServerTests.run("/usr/bin/openssl", ["x509", "-in", made.certificateFile, "-noout", "-fingerprint", "-sha256"])
        #expect(openssl.out == "sha256 Fingerprint=\(made.certificate.sha256Fingerprint)\n", "\(openssl.out)")

        let again = try SelfSignedCertificate.loadOrCreate(directory: folder, names: ["localhost", "127.0.0.1"], now: Self.now)
        #expect(again.createdBecause == nil)
        #expect(again.certificate == made.certificate)

        let context = try TLSServerContext(certificateFile: made.certificateFile, keyFile: made.keyFile)
        let server = try await TLSTestServer { context }
        for host in ["localhost", "127.0.0.1"] {
            let result = try await TLSServerTests.run("/usr/bin/curl", [
                "-sS", "--cacert", made.certificateFile, "https://\(host):\(server.port)/",
            ])
            #expect(result.status == 0 && result.out.hasPrefix("alpn=http/1.1"), "\(host): \(result.err)")
        }
        await server.stop()
    }

    @Test func aNewNameOrANearExpiryMakesANewCertificate() async throws {
        let folder = try TLSServerTests.folder()
        defer { TLSServerTests.removeFolder(folder) }
        let first = try SelfSignedCertificate.loadOrCreate(directory: folder, names: ["localhost"], now: Self.now)
        let renamed = try SelfSignedCertificate.loadOrCreate(directory: folder, names: ["localhost", "panel.example"], now: Self.now)
        #expect(renamed.createdBecause == "it did not name DNS:panel.example")
        #expect(renamed.certificate.sha256Fingerprint != first.certificate.sha256Fingerprint)
        let later = Self.now + 820 * 86_400
        let renewed = try SelfSignedCertificate.loadOrCreate(directory: folder, names: ["panel.example"], now: later)
        #expect(renewed.createdBecause?.hasPrefix("it expires on ") == true)
        // A broken file is replaced, not a reason to stop.
        try SelfSignedCertificateFiles.copy("/dev/null", to: renewed.keyFile)
        let replaced = try SelfSignedCertificate.loadOrCreate(directory: folder, names: ["panel.example"], now: Self.now)
        #expect(replaced.createdBecause == "the kept one could not be read")
    }
}
