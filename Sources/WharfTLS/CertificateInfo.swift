internal import COpenSSL

/// What the host page shows about a certificate: who it is for, who issued it, the names it is
/// valid for, when it is valid, and how to recognise it.
package struct CertificateInfo: Sendable, Equatable {
    /// The subject distinguished name in certificate order ("CN=127.0.0.1, O=Example").
    package var subject: String
    package var issuer: String
    /// subjectAltName entries: "DNS:localhost", "IP:127.0.0.1", "email:…", "URI:…".
    package var subjectAlternativeNames: [String]
    /// Validity start, Unix seconds.
    package var notBefore: Int64
    /// Validity end, Unix seconds.
    package var notAfter: Int64
    /// The serial number as lowercase hex, without leading zero bytes.
    package var serialNumberHex: String
    /// SHA-256 over the DER encoding, lowercase hex without separators.
    package var sha256FingerprintHex: String

    init(_ certificate: X509Certificate) {
        let pointer = certificate.pointer
        subject = X509Fields.subject(pointer)
        issuer = X509Fields.issuer(pointer)
        subjectAlternativeNames = X509Fields.subjectAlternativeNames(pointer)
        notBefore = X509Fields.notBefore(pointer)
        notAfter = X509Fields.notAfter(pointer)
        serialNumberHex = X509Fields.serialNumberHex(pointer)
        sha256FingerprintHex = X509Fields.sha256FingerprintHex(pointer)
    }

    /// Every certificate in `pem`, in order: one for a leaf, several for a chain or CA bundle.
    /// - Throws: ``TLSError/notPEM(_:)``, ``TLSError/unexpectedPEM(_:found:)`` or
    ///   ``TLSError/unreadablePEM(_:detail:)`` (reported as about a CA bundle).
    package static func parse(pem: [UInt8]) throws(TLSError) -> [CertificateInfo] {
        try parse(pem: pem, as: .certificateAuthority)
    }

    /// Every certificate in `pem`; errors name `input` (for example the client certificate field).
    package static func parse(pem: [UInt8], as input: TLSError.PEMInput) throws(TLSError) -> [CertificateInfo] {
        try PEMDecoder.certificates(pem, input: input).map(CertificateInfo.init)
    }

    /// Whether the certificate is valid at `unixTime` (seconds).
    package func isValid(at unixTime: Int64) -> Bool { notBefore <= unixTime && unixTime <= notAfter }
}
