package import WharfIO
package import WharfTLS

/// How `wharf serve` gets its TLS certificate: files (`--tls-cert`/`--tls-key`, or
/// `WHARF_TLS_CERT`/`WHARF_TLS_KEY`), or a self-signed one kept in the data directory
/// (`--tls-self-signed`, `WHARF_TLS_SELF_SIGNED=1`).
package enum TLSSettings: Sendable, Equatable {
    case files(certificate: String, key: String)
    case selfSigned

    /// The settings the options describe, nil for none.
    /// - Throws: ``ConfigurationError`` for a certificate without its key (or the reverse), or
    ///   files together with `--tls-self-signed`.
    package static func parse(certificate: String?, key: String?, selfSigned: Bool) throws(ConfigurationError) -> TLSSettings? {
        switch (certificate, key, selfSigned) {
        case (nil, nil, false): return nil
        case (nil, nil, true): return .selfSigned
        case (.some, .some, true), (.some, nil, true), (nil, .some, true):
            throw .invalid("--tls-self-signed", "", "use either a certificate and key (--tls-cert, --tls-key) or --tls-self-signed, not both")
        case (let certificate?, nil, false):
            throw .invalid("--tls-cert", certificate, "--tls-key is missing: a certificate and its private key go together")
        case (nil, let key?, false):
            throw .invalid("--tls-key", key, "--tls-cert is missing: a certificate and its private key go together")
        case (let certificate?, let key?, false):
            return .files(certificate: certificate, key: key)
        }
    }

    /// Loads the certificate (making the self-signed one if needed) and checks it with the key.
    /// - Returns: the reloadable context (SIGHUP reloads it) and lines for the start-up log.
    /// - Throws: ``TLSError`` saying which file and what is wrong.
    package func load(
        dataDirectory: String, listen: [SocketAddress], publicURL: PublicURL?, now: Int64
    ) throws -> (context: ReloadableTLSServerContext, notes: [String]) {
        switch self {
        case .files(let certificate, let key):
            let context = try ReloadableTLSServerContext(certificateFile: certificate, keyFile: key)
            let info = context.current.certificate
            return (context, [
                "TLS certificate \(certificate): \(info.subject), valid until \(UTCTime.format(info.notAfter)), "
                    + "SHA-256 fingerprint \(info.sha256Fingerprint)",
            ])
        case .selfSigned:
            let names = Self.selfSignedNames(listen: listen, publicURL: publicURL)
            let result = try SelfSignedCertificate.loadOrCreate(directory: dataDirectory, names: names, now: now)
            let context = try ReloadableTLSServerContext(certificateFile: result.certificateFile, keyFile: result.keyFile)
            let action = result.createdBecause.map { "made a new self-signed certificate (\($0))" } ?? "using the self-signed certificate"
            return (context, [
                "TLS: \(action) \(result.certificateFile) for \(result.certificate.subjectAlternativeNames.joined(separator: ", "))",
                "TLS: its SHA-256 fingerprint is \(result.certificate.sha256Fingerprint); check that browsers show this one",
            ])
        }
    }

    /// The names a self-signed certificate covers: `localhost` and the loopback addresses, each
    /// specific listen address, and the public URL's host.
    static func selfSignedNames(listen: [SocketAddress], publicURL: PublicURL?) -> [String] {
        var names = ["localhost", "127.0.0.1", "::1"]
        for address in listen where address.family != .unix {
            let bytes = AddressRange.bytes(of: address.host) ?? []
            if !bytes.allSatisfy({ $0 == 0 }) { names.append(address.host) }
        }
        if let publicURL { names.append(publicURL.host) }
        return names
    }
}
