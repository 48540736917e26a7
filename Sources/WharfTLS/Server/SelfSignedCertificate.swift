internal import COpenSSL
internal import Glibc

/// The certificate `wharf serve --tls-self-signed` uses: made on first run for the names Wharf is
/// reached by, kept in the data directory (`tls-self-signed.crt` and `.key`, mode 0600), and used
/// again on every start, so its fingerprint stays the one clients pinned.
///
/// It is made again only when it no longer fits: missing or unreadable, not naming every address
/// asked for, or expiring within 30 days (the result says why, so the new fingerprint is announced).
package enum SelfSignedCertificate {
    package static let certificateFileName = "tls-self-signed.crt"
    package static let keyFileName = "tls-self-signed.key"
    /// How long a new certificate is valid: 825 days, the longest any browser accepts for a server certificate.
    static let validitySeconds: Int64 = 825 * 86_400
    static let renewalMarginSeconds: Int64 = 30 * 86_400

    /// What ``loadOrCreate(directory:names:now:)`` found or made.
    package struct Result: Sendable {
        package let certificateFile: String
        package let keyFile: String
        package let certificate: CertificateInfo
        /// Why a new certificate was made; nil when the kept one was used.
        package let createdBecause: String?
    }

    /// The kept certificate for `names` (host names and IP addresses) in `directory`, made first if needed.
    /// - Throws: ``TLSError`` or `CryptoError` when a certificate cannot be made or written.
    package static func loadOrCreate(directory: String, names: [String], now: Int64) throws -> Result {
        let certificateFile = directory + "/" + certificateFileName
        let keyFile = directory + "/" + keyFileName
        let wanted = subjectAlternativeNames(names)
        let reason: String
        if let kept = try? TLSServerContext(certificateFile: certificateFile, keyFile: keyFile) {
            let listed = Set(kept.certificate.subjectAlternativeNames)
            if !wanted.allSatisfy(listed.contains) {
                reason = "it did not name " + wanted.filter { !listed.contains($0) }.joined(separator: ", ")
            } else if kept.certificate.notAfter - now < renewalMarginSeconds {
                reason = "it expires on \(UTCTime.format(kept.certificate.notAfter))"
            } else {
                return Result(certificateFile: certificateFile, keyFile: keyFile, certificate: kept.certificate, createdBecause: nil)
            }
        } else {
            reason = access(certificateFile, F_OK) == 0 ? "the kept one could not be read" : "there was none"
        }
        let (certificatePEM, keyPEM) = try make(names: wanted, now: now)
        try PrivateFile.write(keyFile, keyPEM)
        try PrivateFile.write(certificateFile, certificatePEM)
        let context = try TLSServerContext(certificateChainPEM: certificatePEM, privateKeyPEM: keyPEM)
        return Result(certificateFile: certificateFile, keyFile: keyFile, certificate: context.certificate, createdBecause: reason)
    }

    /// `IP:…` for address literals (brackets removed), `DNS:…` for names; duplicates dropped, order kept.
    static func subjectAlternativeNames(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.compactMap { raw -> String? in
            let name = raw.hasPrefix("[") && raw.hasSuffix("]") ? String(raw.dropFirst().dropLast()) : raw
            guard !name.isEmpty else { return nil }
            var address = in6_addr()
            let isIP = inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1
            let entry = (isIP ? "IP:" : "DNS:") + (isIP ? canonicalIP(name) : name.lowercased())
            return seen.insert(entry).inserted ? entry : nil
        }
    }

    /// An IPv6 address in its shortest form (`::1`), as ``CertificateInfo`` lists SANs; IPv4 unchanged.
    private static func canonicalIP(_ text: String) -> String {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return text }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return text }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A new P-256 key and a certificate for `alternativeNames`, signed by that key, as PEM.
    static func make(names alternativeNames: [String], now: Int64) throws -> (certificate: [UInt8], key: [UInt8]) {
        OpenSSLErrorQueue.clear()
        guard let key = COpenSSL_EVP_EC_gen("P-256") else { throw CryptoError("EC key generation") }
        defer { EVP_PKEY_free(key) }
        guard let certificate = X509_new() else { throw CryptoError("X509_new") }
        defer { X509_free(certificate) }

        var serial = SecureRandom.bytes(16)
        serial[0] &= 0x7f  // a positive INTEGER
        guard let number = BN_bin2bn(serial, Int32(serial.count), nil) else { throw CryptoError("serial number") }
        defer { BN_free(number) }
        let common = alternativeNames.first.map { String($0.drop { $0 != ":" }.dropFirst()) } ?? "localhost"
        guard X509_set_version(certificate, 2) == 1,
              BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nil,
              X509_time_adj_ex(X509_getm_notBefore(certificate), 0, -3600, nil) != nil,
              X509_time_adj_ex(X509_getm_notAfter(certificate), 0, Int(validitySeconds), nil) != nil,
              X509_set_pubkey(certificate, key) == 1,
              let subject = X509_get_subject_name(certificate),
              X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC, "Wharf (self-signed)", -1, -1, 0) == 1,
              X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, common, -1, -1, 0) == 1,
              X509_set_issuer_name(certificate, subject) == 1,
              COpenSSL_X509_add_self_signed_extension(certificate, NID_basic_constraints, "critical,CA:FALSE") == 1,
              COpenSSL_X509_add_self_signed_extension(certificate, NID_key_usage, "critical,digitalSignature") == 1,
              COpenSSL_X509_add_self_signed_extension(certificate, NID_ext_key_usage, "serverAuth") == 1,
              alternativeNames.isEmpty || COpenSSL_X509_add_self_signed_extension(
                certificate, NID_subject_alt_name, alternativeNames.joined(separator: ",")) == 1,
              X509_sign(certificate, key, EVP_sha256()) > 0
        else { throw CryptoError("self-signed certificate") }
        _ = now  // validity is relative to the clock OpenSSL reads, which is `now`'s clock
        return (try pem { PEM_write_bio_X509($0, certificate) }, try pem { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) })
    }

    private static func pem(_ write: (OpaquePointer) -> Int32) throws -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw CryptoError("PEM encoding") }
        var data: UnsafeMutablePointer<CChar>?
        let count = COpenSSL_BIO_get_mem_data(bio, &data)
        guard let data, count > 0 else { throw CryptoError("PEM encoding") }
        return UnsafeRawBufferPointer(start: data, count: count).map { $0 }
    }
}
