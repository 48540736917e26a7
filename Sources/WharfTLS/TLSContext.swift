internal import COpenSSL

/// An OpenSSL client context (`SSL_CTX`) for one host: its CA bundle, optional client certificate
/// and key, TLS 1.2 or later, and peer verification. Built once per host and shared by every
/// connection to it.
///
/// `@unchecked Sendable`: the `SSL_CTX` is fully configured in `init` and never changed afterwards;
/// OpenSSL allows creating `SSL` objects from one context on many threads at once (its reference
/// counts and certificate store are locked internally).
package final class TLSContext: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Validates the PEM inputs and builds the context.
    ///
    /// An empty certificate or key counts as absent. A certificate without a key (or the reverse)
    /// is an error, and so is a key that does not belong to the certificate.
    /// - Throws: ``TLSError`` naming the input to fix.
    package init(client configuration: TLSClientConfiguration) throws(TLSError) {
        let authorities = try PEMDecoder.certificates(configuration.certificateAuthorityPEM, input: .certificateAuthority)
        let identity = try Self.clientIdentity(configuration)

        OpenSSLErrorQueue.clear()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .protocolFailure(operation: "context creation", queue: OpenSSLErrorQueue.drain())
        }
        do {
            try Self.configure(context, configuration, authorities: authorities, identity: identity)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        pointer = context
    }

    deinit { SSL_CTX_free(pointer) }

    /// The client certificate chain and key, checked to belong together; nil when none is configured.
    private static func clientIdentity(
        _ configuration: TLSClientConfiguration
    ) throws(TLSError) -> (chain: [X509Certificate], key: PrivateKey)? {
        let certificate = configuration.certificatePEM.flatMap { $0.isEmpty ? nil : $0 }
        let key = configuration.privateKeyPEM.flatMap { $0.isEmpty ? nil : $0 }
        switch (certificate, key) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw .incompleteClientIdentity(missing: .privateKey)
        case (nil, .some):
            throw .incompleteClientIdentity(missing: .certificate)
        case (let certificate?, let key?):
            let chain = try PEMDecoder.certificates(certificate, input: .certificate)
            let privateKey = try PEMDecoder.privateKey(key)
            // X509_check_private_key: 1 when the key's public half is the certificate's public key.
            OpenSSLErrorQueue.clear()
            guard X509_check_private_key(chain[0].pointer, privateKey.pointer) == 1 else {
                OpenSSLErrorQueue.clear()
                throw .keyDoesNotMatchCertificate
            }
            return (chain, privateKey)
        }
    }

    private static func configure(
        _ context: OpaquePointer, _ configuration: TLSClientConfiguration,
        authorities: [X509Certificate], identity: (chain: [X509Certificate], key: PrivateKey)?
    ) throws(TLSError) {
        func check(_ ok: Bool, _ operation: String) throws(TLSError) {
            if !ok { throw .protocolFailure(operation: operation, queue: OpenSSLErrorQueue.drain()) }
        }
        try check(COpenSSL_SSL_CTX_set_min_proto_version(context, configuration.minimumVersion.openSSLValue) == 1,
                  "setting the minimum version")
        if let maximum = configuration.maximumVersion {
            try check(COpenSSL_SSL_CTX_set_max_proto_version(context, maximum.openSSLValue) == 1,
                      "setting the maximum version")
        }
        COpenSSL_SSL_CTX_disable_renegotiation(context)
        // SSL_write is retried with the same bytes, possibly at another address, after WANT_WRITE;
        // partial writes stay off, so a successful SSL_write has taken all of them. AUTO_RETRY (the
        // default since 1.1.1, set to be sure) makes SSL_read go on reading after a post-handshake
        // message such as a session ticket, so WANT_READ always means the socket had nothing: the
        // edge-triggered wait that follows cannot miss data.
        _ = COpenSSL_SSL_CTX_set_mode(context, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY))
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, PeerVerification.verifyCallback)

        guard let store = SSL_CTX_get_cert_store(context) else { throw .protocolFailure(operation: "CA store", queue: []) }
        for authority in authorities {
            try check(X509_STORE_add_cert(store, authority.pointer) == 1, "adding a CA certificate")
        }
        if configuration.acceptsServerCertificateAsAuthority {
            try check(X509_STORE_set_flags(store, UInt(X509_V_FLAG_PARTIAL_CHAIN)) == 1, "allowing a pinned server certificate")
        }

        guard let (chain, key) = identity else {
            SSL_CTX_set_client_cert_cb(context, PeerVerification.clientCertificateCallback)
            return
        }
        try check(SSL_CTX_use_certificate(context, chain[0].pointer) == 1, "using the client certificate")
        for intermediate in chain.dropFirst() {
            try check(COpenSSL_SSL_CTX_add1_chain_cert(context, intermediate.pointer) == 1, "adding a chain certificate")
        }
        try check(SSL_CTX_use_PrivateKey(context, key.pointer) == 1, "using the client private key")
        guard SSL_CTX_check_private_key(context) == 1 else {
            OpenSSLErrorQueue.clear()
            throw .keyDoesNotMatchCertificate
        }
    }
}
