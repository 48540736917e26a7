internal import COpenSSL

/// Reads certificates and private keys from PEM bytes, telling "not PEM at all", "PEM of the
/// wrong kind" and "broken PEM" apart so the user learns which field to fix.
enum PEMDecoder {
    /// The labels of the `-----BEGIN <label>-----` lines in `bytes`, in order.
    static func labels(_ bytes: [UInt8]) -> [String] {
        let marker = Array("-----BEGIN ".utf8)
        let dashes = Array("-----".utf8)
        var labels: [String] = []
        var index = 0
        while index + marker.count <= bytes.count {
            guard bytes[index..<index + marker.count].elementsEqual(marker) else {
                index += 1
                continue
            }
            let start = index + marker.count
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "-"), bytes[end] != UInt8(ascii: "\n") { end += 1 }
            if end + dashes.count <= bytes.count, bytes[end..<end + dashes.count].elementsEqual(dashes) {
                labels.append(String(decoding: bytes[start..<end], as: UTF8.self))
            }
            index = end
        }
        return labels
    }

    /// Every certificate in `bytes`, in order (a CA bundle, or a client certificate and its chain).
    /// - Throws: ``TLSError/notPEM(_:)``, ``TLSError/unexpectedPEM(_:found:)`` or
    ///   ``TLSError/unreadablePEM(_:detail:)`` (also for a broken block after good ones).
    static func certificates(_ bytes: [UInt8], input: TLSError.PEMInput) throws(TLSError) -> [X509Certificate] {
        let found = labels(bytes)
        guard !found.isEmpty else { throw .notPEM(input) }
        guard found.contains(where: { $0.hasSuffix("CERTIFICATE") }) else { throw .unexpectedPEM(input, found: found) }
        OpenSSLErrorQueue.clear()
        var certificates: [X509Certificate] = []
        let failure: [OpenSSLErrorQueue.Entry] = withMemoryBIO(bytes) { bio in
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                certificates.append(X509Certificate(owning: certificate))
            }
            // The loop ends at "no start line" when the input is used up; anything else is a broken block.
            return OpenSSLErrorQueue.entries().filter { !$0.isPEMNoStartLine }
        }
        if !failure.isEmpty || certificates.isEmpty {
            throw .unreadablePEM(input, detail: failure.last?.reasonText ?? "no certificate decoded")
        }
        return certificates
    }

    /// The first private key in `bytes`.
    /// - Throws: ``TLSError/encryptedPrivateKey`` for a passphrase-protected key, or a PEM error.
    static func privateKey(_ bytes: [UInt8], input: TLSError.PEMInput = .privateKey) throws(TLSError) -> PrivateKey {
        let found = labels(bytes)
        guard !found.isEmpty else { throw .notPEM(input) }
        guard found.contains(where: { $0.hasSuffix("PRIVATE KEY") }) else { throw .unexpectedPEM(input, found: found) }
        if found.contains("ENCRYPTED PRIVATE KEY") || containsLegacyEncryptionHeader(bytes) {
            throw input == .serverPrivateKey ? .encryptedServerKey : .encryptedPrivateKey
        }
        OpenSSLErrorQueue.clear()
        let (key, queue) = withMemoryBIO(bytes) { bio -> (OpaquePointer?, [OpenSSLErrorQueue.Entry]) in
            // A passphrase callback that refuses: without one OpenSSL would prompt on the terminal.
            let key = PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in -1 }, nil)
            return (key, OpenSSLErrorQueue.entries())
        }
        guard let key else { throw .unreadablePEM(input, detail: queue.last?.reasonText ?? "no key decoded") }
        return PrivateKey(owning: key)
    }

    /// A traditional PEM key encrypted with a passphrase has a `Proc-Type: 4,ENCRYPTED` header.
    private static func containsLegacyEncryptionHeader(_ bytes: [UInt8]) -> Bool {
        let header = Array("Proc-Type: 4,ENCRYPTED".utf8)
        guard bytes.count >= header.count else { return false }
        return (0...(bytes.count - header.count)).contains { bytes[$0..<$0 + header.count].elementsEqual(header) }
    }

    /// Runs `body` with a read-only memory BIO over `bytes` (`BIO_new_mem_buf` does not copy, so
    /// the BIO never outlives the buffer).
    private static func withMemoryBIO<R>(_ bytes: [UInt8], _ body: (OpaquePointer) -> R) -> R {
        bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
                preconditionFailure("BIO_new_mem_buf failed: out of memory")
            }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }
}
