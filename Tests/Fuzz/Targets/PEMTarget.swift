import WharfTLS
import WharfWire

/// PEM decoding (`PEMDecoder` in WharfTLS, through the package API that host forms and
/// `--tls-cert`/`--tls-key` use: `CertificateInfo.parse` and `TLSServerContext`).
///
/// Asserts: input without a `-----BEGIN ` line is "not PEM"; certificates that decode give
/// 64-hex fingerprints and decode again, twice over, from the input repeated (a bundle); a key
/// that decodes decodes the same way from the input followed by itself; errors are the typed PEM
/// errors, never a crash or a leak under the address sanitizer.
enum PEMTarget {
    static let target = FuzzTarget(
        name: "pem",
        summary: "PEM: not-PEM iff no BEGIN line; certs decode twice from a doubled bundle; fingerprints; key parse total",
        run: run)

    static func run(_ input: [UInt8]) {
        let hasBegin = contains(input, Array("-----BEGIN ".utf8))
        var certificatesDecoded = false
        do {
            let certificates = try CertificateInfo.parse(pem: input)
            FuzzCheck.require(!certificates.isEmpty, "no certificates and no error")
            certificatesDecoded = true
            for certificate in certificates {
                FuzzCheck.require(
                    certificate.sha256FingerprintHex.utf8.count == 64 && certificate.sha256FingerprintHex.utf8.allSatisfy { $0.hexDigitValue != nil },
                    "fingerprint \(certificate.sha256FingerprintHex)")
            }
            let doubled = try? CertificateInfo.parse(pem: input + [0x0A] + input)
            FuzzCheck.require(doubled == certificates + certificates, "a doubled bundle gave \(doubled?.count ?? -1) of \(2 * certificates.count)")
        } catch {
            if !hasBegin {
                FuzzCheck.require(error == .notPEM(.certificateAuthority), "no BEGIN line, yet \(error)")
            }
        }

        // The key path: the input as the key for a fixed certificate, and as the chain for a fixed key.
        let asKey = outcome { () throws(TLSError) in _ = try TLSServerContext(certificateChainPEM: fixedCertificate, privateKeyPEM: input) }
        if !hasBegin { FuzzCheck.require(asKey == .notPEM(.serverPrivateKey), "no BEGIN line, yet \(String(describing: asKey))") }
        // Building a server context costs far more than decoding: the doubled key only when the
        // input has a BEGIN line, the input as a chain only when it holds certificates.
        if hasBegin {
            let asKeyTwice = outcome { () throws(TLSError) in
                _ = try TLSServerContext(certificateChainPEM: fixedCertificate, privateKeyPEM: input + [0x0A] + input)
            }
            FuzzCheck.require((asKey == nil) == (asKeyTwice == nil), "key \(String(describing: asKey)), doubled \(String(describing: asKeyTwice))")
        }
        if certificatesDecoded {
            _ = outcome { () throws(TLSError) in _ = try TLSServerContext(certificateChainPEM: input, privateKeyPEM: fixedKey) }
        }
    }

    static func outcome(_ body: () throws(TLSError) -> Void) -> TLSError? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// A self-signed P-256 certificate and its key (made with `openssl req -x509 -newkey ec`), as
    /// the other half of the server context.
    static let fixedCertificate = Array("""
        -----BEGIN CERTIFICATE-----
        MIIBxjCCAWugAwIBAgIUAiXwuizNwgBhelXk1o/IniLUFT4wCgYIKoZIzj0EAwIw
        KjEYMBYGA1UEAwwPZnV6ei53aGFyZi50ZXN0MQ4wDAYDVQQKDAVXaGFyZjAeFw0y
        NjEyMDYwODU1MzdaFw0zNjEyMDMwODU1MzdaMCoxGDAWBgNVBAMMD2Z1enoud2hh
        cmYudGVzdDEOMAwGA1UECgwFV2hhcmYwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
        AASGOig1PCjGOOtuudTRCi06kd8QDVq2ecw+vUCnylhAd6RM97B80Iv/D8CxQnic
        Q3zwl9V6hRqBmtkT9Z5qrxV9o28wbTAdBgNVHQ4EFgQU+F3DFtluqbLg80skpHdt
        LYEgacMwHwYDVR0jBBgwFoAU+F3DFtluqbLg80skpHdtLYEgacMwDwYDVR0TAQH/
        BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZIzj0EAwID
        SQAwRgIhAJoQ3gCnL/nQbjsE+canxWlySj6NG405qAvbTmgz7OxVAiEA+k2SO5Xf
        H/9dBst9BTUl1lh1PUbApTn32ey7qlXiU2s=
        -----END CERTIFICATE-----

        """.utf8)
    static let fixedKey = Array("""
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg6lMtfQkyWEHwRBWD
        DqNa7DKD68hoav+Iwkr90o72/O+hRANCAASGOig1PCjGOOtuudTRCi06kd8QDVq2
        ecw+vUCnylhAd6RM97B80Iv/D8CxQnicQ3zwl9V6hRqBmtkT9Z5qrxV9
        -----END PRIVATE KEY-----

        """.utf8)
}
