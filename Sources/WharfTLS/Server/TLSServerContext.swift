internal import COpenSSL
internal import Glibc

/// An OpenSSL server context (`SSL_CTX`): Wharf's certificate chain and key, TLS 1.2 or later with
/// modern cipher suites, ALPN `http/1.1`, and session resumption (TLS 1.3 and 1.2 tickets, plus a
/// session cache for TLS 1.2 clients that resume by id).
///
/// Immutable once built, hence `@unchecked Sendable` (OpenSSL locks the context's session cache
/// and reference counts itself). Reloading a certificate builds a new context
/// (``ReloadableTLSServerContext``); connections keep the one they were accepted with.
package final class TLSServerContext: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The leaf certificate, for logs and the start-up line ("SHA-256 fingerprint …").
    package let certificate: CertificateInfo

    /// TLS 1.2 suites: forward secrecy (ECDHE) with AEAD ciphers only, as Mozilla's "intermediate"
    /// profile. TLS 1.3 keeps OpenSSL's default suites, which are all modern.
    static let tls12Ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        + "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

    /// Sessions the TLS 1.2 session-id cache keeps, and how long a session may be resumed.
    static let sessionCacheSize = 20_000
    static let sessionLifetimeSeconds = 7_200

    /// Builds a context from PEM: the certificate chain (leaf first, then intermediates) and its key.
    /// - Throws: ``TLSError`` naming the input to fix (not PEM, wrong kind, encrypted key, key that
    ///   does not match).
    package init(certificateChainPEM: [UInt8], privateKeyPEM: [UInt8]) throws(TLSError) {
        let chain = try PEMDecoder.certificates(certificateChainPEM, input: .serverCertificate)
        let key = try PEMDecoder.privateKey(privateKeyPEM, input: .serverPrivateKey)
        OpenSSLErrorQueue.clear()
        guard X509_check_private_key(chain[0].pointer, key.pointer) == 1 else {
            OpenSSLErrorQueue.clear()
            throw .serverKeyDoesNotMatchCertificate
        }
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw .protocolFailure(operation: "server context creation", queue: OpenSSLErrorQueue.drain())
        }
        do {
            try Self.configure(context, chain: chain, key: key)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        pointer = context
        certificate = CertificateInfo(chain[0])
    }

    /// Reads the certificate chain and key from files (`--tls-cert`, `--tls-key`) and builds a context.
    /// - Throws: ``TLSError/unreadableFile(path:reason:)`` or a PEM/key error.
    package convenience init(certificateFile: String, keyFile: String) throws(TLSError) {
        let chain = try Self.read(certificateFile)
        let key = try Self.read(keyFile)
        try self.init(certificateChainPEM: chain, privateKeyPEM: key)
    }

    deinit { SSL_CTX_free(pointer) }

    private static func configure(_ context: OpaquePointer, chain: [X509Certificate], key: PrivateKey) throws(TLSError) {
        func check(_ ok: Bool, _ operation: String) throws(TLSError) {
            if !ok { throw .protocolFailure(operation: operation, queue: OpenSSLErrorQueue.drain()) }
        }
        try check(COpenSSL_SSL_CTX_set_min_proto_version(context, TLSVersion.v1_2.openSSLValue) == 1, "setting the minimum version")
        try check(SSL_CTX_set_cipher_list(context, tls12Ciphers) == 1, "setting the TLS 1.2 cipher suites")
        COpenSSL_SSL_CTX_set_server_options(context)
        // As for clients (TLSContext): SSL_write is retried with the same bytes after WANT_WRITE,
        // possibly moved; AUTO_RETRY keeps WANT_READ meaning "the socket had nothing".
        // RELEASE_BUFFERS (as nginx sets): an idle connection gives its 16 KiB+ read and write
        // record buffers back, as a parked plain connection holds no buffer.
        _ = COpenSSL_SSL_CTX_set_mode(
            context, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY | SSL_MODE_RELEASE_BUFFERS))
        try check(SSL_CTX_use_certificate(context, chain[0].pointer) == 1, "using the certificate")
        for intermediate in chain.dropFirst() {
            try check(COpenSSL_SSL_CTX_add1_chain_cert(context, intermediate.pointer) == 1, "adding a chain certificate")
        }
        try check(SSL_CTX_use_PrivateKey(context, key.pointer) == 1, "using the private key")
        guard SSL_CTX_check_private_key(context) == 1 else {
            OpenSSLErrorQueue.clear()
            throw .serverKeyDoesNotMatchCertificate
        }
        // Resumption: tickets are on by default (TLS 1.3 and 1.2, keys made per context); the
        // session-id cache serves TLS 1.2 clients without ticket support. The id context scopes
        // cached sessions to Wharf.
        COpenSSL_SSL_CTX_set_server_session_cache(context, sessionCacheSize)
        _ = SSL_CTX_set_timeout(context, sessionLifetimeSeconds)
        let scope = Array("wharf".utf8)
        try check(SSL_CTX_set_session_id_context(context, scope, UInt32(scope.count)) == 1, "setting the session id context")
        SSL_CTX_set_alpn_select_cb(context, selectALPN, nil)
    }

    /// Chooses `http/1.1` when the client offers it (RFC 7301 §3.2); a client offering only other
    /// protocols (`h2` alone) continues without ALPN rather than failing, and speaks HTTP/1.1 or leaves.
    private static let selectALPN: @convention(c) (
        OpaquePointer?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?, UnsafeMutablePointer<UInt8>?,
        UnsafePointer<UInt8>?, UInt32, UnsafeMutableRawPointer?
    ) -> Int32 = { _, out, outLength, offered, offeredLength, _ in
        guard let out, let outLength, let offered else { return SSL_TLSEXT_ERR_NOACK }
        let wanted: [UInt8] = Array("http/1.1".utf8)
        var index = 0
        let count = Int(offeredLength)
        while index < count {
            let length = Int(offered[index])
            let start = index + 1
            guard start + length <= count else { break }
            if length == wanted.count, (0..<length).allSatisfy({ offered[start + $0] == wanted[$0] }) {
                out.pointee = offered + start  // points into the client's list, as OpenSSL allows
                outLength.pointee = UInt8(length)
                return SSL_TLSEXT_ERR_OK
            }
            index = start + length
        }
        return SSL_TLSEXT_ERR_NOACK
    }

    /// The whole file at `path`.
    static func read(_ path: String) throws(TLSError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadableFile(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadableFile(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { return bytes }
            guard bytes.count + count <= 1 << 20 else { throw .unreadableFile(path: path, reason: "larger than 1 MiB") }
            bytes += chunk[0..<count]
        }
    }
}

extension CertificateInfo {
    /// The SHA-256 fingerprint as browsers and `openssl x509 -fingerprint -sha256` show it:
    /// upper-case hex pairs separated by colons.
    package var sha256Fingerprint: String {
        var pairs: [String] = []
        var index = sha256FingerprintHex.startIndex
        while index < sha256FingerprintHex.endIndex {
            let next = sha256FingerprintHex.index(index, offsetBy: 2, limitedBy: sha256FingerprintHex.endIndex)
                ?? sha256FingerprintHex.endIndex
            pairs.append(sha256FingerprintHex[index..<next].uppercased())
            index = next
        }
        return pairs.joined(separator: ":")
    }
}
