internal import COpenSSL

/// What one connection's handshake learned about the server's certificate chain, kept so that a
/// failed verification can be explained ("expired on…", "names DNS:localhost, IP:127.0.0.1").
///
/// OpenSSL calls the C callbacks below from inside `SSL_connect`, on the thread that called it;
/// they find this record through the `SSL`'s app-data slot (`SSL_set_ex_data(ssl, 0, …)`, which is
/// what the `SSL_set_app_data` macro does). The record is only touched by code holding the
/// connection's lock, hence no synchronization of its own.
final class PeerVerification {
    /// The first failure in the chain: `X509_V_ERR_*`, how deep, and the certificate concerned.
    struct Failure {
        let code: Int32
        let depth: Int32
        let subject: String
        let issuer: String
        let notBefore: Int64
        let notAfter: Int64
    }

    /// The server (leaf) certificate's subject and subjectAltNames, once seen.
    private(set) var leafSubject: String?
    private(set) var leafNames: [String] = []
    private(set) var failure: Failure?
    /// The server asked for a client certificate and none was configured (`client_cert_cb`).
    private(set) var certificateRequestedWithoutOne = false

    /// Installs `self` in `ssl`'s app-data slot; the caller keeps `self` alive as long as `ssl`.
    func attach(to ssl: OpaquePointer) {
        SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(self).toOpaque())
    }

    private static func from(_ ssl: OpaquePointer?) -> PeerVerification? {
        guard let ssl, let raw = SSL_get_ex_data(ssl, 0) else { return nil }
        return Unmanaged<PeerVerification>.fromOpaque(raw).takeUnretainedValue()
    }

    private func observe(preverified: Int32, store: OpaquePointer) {
        if leafSubject == nil, let leaf = X509_STORE_CTX_get0_cert(store) {
            leafSubject = X509Fields.subject(leaf)
            leafNames = X509Fields.subjectAlternativeNames(leaf)
        }
        guard preverified == 0, failure == nil else { return }
        let current = X509_STORE_CTX_get_current_cert(store)
        failure = Failure(
            code: X509_STORE_CTX_get_error(store),
            depth: X509_STORE_CTX_get_error_depth(store),
            subject: current.map(X509Fields.subject) ?? leafSubject ?? "",
            issuer: current.map(X509Fields.issuer) ?? "",
            notBefore: current.map(X509Fields.notBefore) ?? 0,
            notAfter: current.map(X509Fields.notAfter) ?? 0)
    }

    /// `SSL_CTX_set_verify`'s callback: records what it sees and keeps OpenSSL's verdict, so any
    /// failure still aborts the handshake.
    static let verifyCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { preverified, store in
        guard let store, let record = from(COpenSSL_SSL_from_store_ctx(store)) else { return preverified }
        record.observe(preverified: preverified, store: store)
        return preverified
    }

    /// `SSL_CTX_set_client_cert_cb`'s callback, called only when the server requests a certificate
    /// and none is configured: notes it and sends none (returns 0).
    static let clientCertificateCallback: @convention(c) (
        OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<OpaquePointer?>?
    ) -> Int32 = { ssl, _, _ in
        from(ssl)?.certificateRequestedWithoutOne = true
        return 0
    }
}

@available(*, unavailable)
extension PeerVerification: Sendable {}
