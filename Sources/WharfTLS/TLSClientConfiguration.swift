/// What a TLS client needs to reach one Docker engine: the CA bundle that signed the engine's
/// certificate and, for mutual TLS, a client certificate (with its chain) and private key.
///
/// Values are PEM bytes as uploaded; ``TLSContext/init(client:)`` validates them.
package struct TLSClientConfiguration: Sendable, Equatable {
    /// PEM certificates trusted to sign the server's certificate (Docker's `ca.pem`).
    package var certificateAuthorityPEM: [UInt8]
    /// The client certificate, optionally followed by intermediates (Docker's `cert.pem`).
    package var certificatePEM: [UInt8]?
    /// The client certificate's private key, unencrypted (Docker's `key.pem`).
    package var privateKeyPEM: [UInt8]?
    /// The oldest protocol version offered.
    package var minimumVersion: TLSVersion = .v1_2
    /// The newest protocol version offered; nil for the newest OpenSSL supports.
    package var maximumVersion: TLSVersion?
    /// Whether a certificate in ``certificateAuthorityPEM`` may be the server's own rather than
    /// its CA's (`X509_V_FLAG_PARTIAL_CHAIN`): a pin. `wharf healthcheck` trusts exactly the
    /// certificate Wharf serves this way, whoever issued it. Off for Docker hosts.
    package var acceptsServerCertificateAsAuthority = false

    package init(certificateAuthorityPEM: [UInt8], certificatePEM: [UInt8]? = nil, privateKeyPEM: [UInt8]? = nil) {
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }
}

/// A TLS protocol version Wharf may negotiate. Older versions are not offered at all.
package enum TLSVersion: Sendable, Equatable, Comparable {
    case v1_2
    case v1_3

    /// The OpenSSL constant (`TLS1_2_VERSION`, `TLS1_3_VERSION`).
    var openSSLValue: Int32 {
        switch self {
        case .v1_2: 0x0303
        case .v1_3: 0x0304
        }
    }
}
