import Testing
import WharfTLS

/// Building contexts from PEM input: what is accepted and how each mistake is named.
@Suite struct TLSContextTests {
    static func configuration(
        _ certificates: TestCertificates, ca: [UInt8]? = nil, cert: [UInt8]?, key: [UInt8]?
    ) -> TLSClientConfiguration {
        TLSClientConfiguration(certificateAuthorityPEM: ca ?? certificates.bytes("ca.pem"), certificatePEM: cert, privateKeyPEM: key)
    }

    @Test func aCABundleAloneOrWithAMatchingClientIdentityBuildsAContext() async throws {
        let c = try await TestCertificates.shared()
        _ = try TLSContext(client: Self.configuration(c, cert: nil, key: nil))
        _ = try TLSContext(client: Self.configuration(c, cert: c.bytes("client-cert.pem"), key: c.bytes("client-key.pem")))
        // A bundle of several CAs, and empty identity fields from a form, are fine too.
        _ = try TLSContext(client: Self.configuration(c, ca: c.bytes("ca.pem") + c.bytes("wrong-ca.pem"), cert: [], key: []))
    }

    @Test func aKeyThatDoesNotMatchTheCertificateIsRefused() async throws {
        let c = try await TestCertificates.shared()
        #expect(throws: TLSError.keyDoesNotMatchCertificate) {
            try TLSContext(client: Self.configuration(c, cert: c.bytes("client-cert.pem"), key: c.bytes("wrong-client-key.pem")))
        }
        #expect(TLSError.keyDoesNotMatchCertificate.description.contains("does not belong to the client certificate"))
    }

    @Test func inputThatIsNotPEMNamesTheField() async throws {
        let c = try await TestCertificates.shared()
        let garbage = Array("hello, this is not a certificate".utf8)
        #expect(throws: TLSError.notPEM(.certificateAuthority)) {
            try TLSContext(client: Self.configuration(c, ca: garbage, cert: nil, key: nil))
        }
        #expect(throws: TLSError.notPEM(.certificateAuthority)) {
            try TLSContext(client: Self.configuration(c, ca: [], cert: nil, key: nil))
        }
        #expect(throws: TLSError.notPEM(.certificate)) {
            try TLSContext(client: Self.configuration(c, cert: garbage, key: c.bytes("client-key.pem")))
        }
        #expect(throws: TLSError.notPEM(.privateKey)) {
            try TLSContext(client: Self.configuration(c, cert: c.bytes("client-cert.pem"), key: [0x30, 0x82, 0x01]))
        }
        #expect(TLSError.notPEM(.privateKey).description.contains("-----BEGIN PRIVATE KEY-----"))
    }

    @Test func swappedFieldsAreRecognised() async throws {
        let c = try await TestCertificates.shared()
        #expect(throws: TLSError.unexpectedPEM(.certificate, found: ["PRIVATE KEY"])) {
            try TLSContext(client: Self.configuration(c, cert: c.bytes("client-key.pem"), key: c.bytes("client-cert.pem")))
        }
        #expect(throws: TLSError.unexpectedPEM(.privateKey, found: ["CERTIFICATE"])) {
            try TLSContext(client: Self.configuration(c, cert: c.bytes("client-cert.pem"), key: c.bytes("client-cert.pem")))
        }
        #expect(throws: TLSError.unexpectedPEM(.certificateAuthority, found: ["PRIVATE KEY"])) {
            try TLSContext(client: Self.configuration(c, ca: c.bytes("client-key.pem"), cert: nil, key: nil))
        }
    }

    @Test func truncatedPEMIsUnreadable() async throws {
        let c = try await TestCertificates.shared()
        let pem = c.bytes("ca.pem")
        let truncated = Array(pem.prefix(pem.count / 2))
        #expect {
            try TLSContext(client: Self.configuration(c, ca: truncated, cert: nil, key: nil))
        } throws: { error in
            guard case TLSError.unreadablePEM(.certificateAuthority, let detail) = error else { return false }
            return !detail.isEmpty
        }
        // A good certificate followed by a broken one is not silently cut short.
        #expect {
            try TLSContext(client: Self.configuration(c, ca: c.bytes("wrong-ca.pem") + truncated, cert: nil, key: nil))
        } throws: { error in
            if case TLSError.unreadablePEM(.certificateAuthority, _) = error { return true }
            return false
        }
    }

    @Test func anIncompleteOrEncryptedIdentityIsRefused() async throws {
        let c = try await TestCertificates.shared()
        #expect(throws: TLSError.incompleteClientIdentity(missing: .privateKey)) {
            try TLSContext(client: Self.configuration(c, cert: c.bytes("client-cert.pem"), key: nil))
        }
        #expect(throws: TLSError.incompleteClientIdentity(missing: .certificate)) {
            try TLSContext(client: Self.configuration(c, cert: nil, key: c.bytes("client-key.pem")))
        }
        #expect(throws: TLSError.encryptedPrivateKey) {
            try TLSContext(client: Self.configuration(c, cert: c.bytes("client-cert.pem"), key: c.bytes("encrypted-client-key.pem")))
        }
    }

    @Test func certificateInfoMatchesWhatWasGenerated() async throws {
        let c = try await TestCertificates.shared()
        let infos = try CertificateInfo.parse(pem: c.bytes("server-cert.pem"))
        #expect(infos.count == 1)
        let info = try #require(infos.first)
        #expect(info.subject == "O=Wharf Tests, CN=wharf-test-server")
        #expect(info.issuer == "CN=Wharf TLS Test CA")
        #expect(info.subjectAlternativeNames == ["IP:127.0.0.1", "DNS:localhost"])
        #expect(info.notBefore == TestCertificates.notBefore)
        #expect(info.notAfter == TestCertificates.notAfter)
        #expect(info.isValid(at: 1_800_000_000))
        // openssl x509 -serial prints "serial=0A1B…" (uppercase, even length).
        let serial = ChildProcess.readText(c.path("server-serial.txt")).split(separator: "=").last.map { $0.filter(\.isHexDigit) }
        #expect(serial.map { $0.lowercased() } == info.serialNumberHex)
        // -fingerprint prints "sha256 Fingerprint=AB:CD:…".
        let fingerprint = ChildProcess.readText(c.path("server-fingerprint.txt")).split(separator: "=").last
            .map { $0.filter(\.isHexDigit).lowercased() }
        #expect(fingerprint == info.sha256FingerprintHex)
        #expect(info.sha256FingerprintHex.count == 64)
    }

    @Test func aBundleYieldsEveryCertificateInOrder() async throws {
        let c = try await TestCertificates.shared()
        let infos = try CertificateInfo.parse(pem: c.bytes("ca.pem") + Array("\n".utf8) + c.bytes("wrong-ca.pem"))
        #expect(infos.map(\.subject) == ["CN=Wharf TLS Test CA", "CN=Wharf Wrong CA"])
        #expect(infos.allSatisfy { $0.subjectAlternativeNames.isEmpty })
        #expect(throws: TLSError.notPEM(.certificateAuthority)) { try CertificateInfo.parse(pem: Array("nope".utf8)) }
        #expect(throws: TLSError.unexpectedPEM(.certificate, found: ["PRIVATE KEY"])) {
            try CertificateInfo.parse(pem: c.bytes("client-key.pem"), as: .certificate)
        }
    }
}
