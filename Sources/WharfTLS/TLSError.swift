/// A TLS failure, each case phrased so that the person configuring a host can act on it.
///
/// Configuration problems (PEM input, key/certificate pairs) come from ``TLSContext/init(client:)``;
/// the others from ``TLSConnection/connect(over:context:serverName:deadline:)`` or, for an alert the
/// server sends after a TLS 1.3 handshake, from the first read. Read and write timeouts and socket
/// errors keep their WharfIO types (`IOError.timedOut`, `SystemError`), as for a plain socket.
package enum TLSError: Error, CustomStringConvertible, Equatable {
    /// Which PEM input a configuration error is about.
    package enum PEMInput: String, Sendable, Equatable {
        case certificateAuthority = "CA certificate bundle"
        case certificate = "client certificate"
        case privateKey = "client private key"
        /// A server's certificate chain (`--tls-cert`).
        case serverCertificate = "TLS certificate (--tls-cert)"
        /// A server's private key (`--tls-key`).
        case serverPrivateKey = "TLS private key (--tls-key)"

        /// What its `-----BEGIN …-----` line should say.
        var expectedLabel: String { self == .privateKey || self == .serverPrivateKey ? "PRIVATE KEY" : "CERTIFICATE" }
    }

    /// The input has no PEM block at all.
    case notPEM(PEMInput)
    /// The input is PEM, but of another kind (`found` lists its `BEGIN` labels): fields swapped?
    case unexpectedPEM(PEMInput, found: [String])
    /// The PEM framing is there but the content does not decode (truncated, edited, corrupted).
    case unreadablePEM(PEMInput, detail: String)
    /// The private key is protected by a passphrase, which Wharf does not store.
    case encryptedPrivateKey
    /// A client certificate without its key, or a key without its certificate.
    case incompleteClientIdentity(missing: PEMInput)
    /// The client private key is not the one the client certificate was issued for.
    case keyDoesNotMatchCertificate

    /// The server's chain does not lead to a CA in the bundle. `certificate` is the subject of the
    /// certificate whose issuer is missing (or that is self-signed), `issuer` that issuer.
    case unknownCertificateAuthority(certificate: String, issuer: String)
    /// A certificate in the server's chain has expired (`notAfter` in Unix seconds).
    case certificateExpired(certificate: String, notAfter: Int64)
    /// A certificate in the server's chain is not valid yet (`notBefore` in Unix seconds).
    case certificateNotYetValid(certificate: String, notBefore: Int64)
    /// The server's certificate is not for the name or address Wharf connected to.
    /// `certificateNames` are its subjectAltNames ("DNS:…", "IP:…"), or its subject when it has none.
    case nameMismatch(expected: String, certificateNames: [String])
    /// Verification failed for another reason (`X509_verify_cert_error_string`).
    case certificateRejected(reason: String)

    /// The server refused Wharf's client certificate, or its absence, with a TLS alert
    /// ("certificate required", "bad certificate", "unknown ca", …).
    case clientCertificateRefused(alert: String)
    /// The server ended the connection with another fatal alert.
    case alertReceived(alert: String)
    /// What came back is not TLS: typically plain HTTP on the port.
    case notTLS
    /// The server closed the connection before the handshake finished, without an alert.
    case closedDuringHandshake
    /// The handshake did not finish before the deadline.
    case handshakeTimedOut
    /// The server name is empty or contains a NUL byte.
    case invalidServerName(String)
    /// The connection was already closed.
    case connectionClosed
    /// Any other OpenSSL failure, with its error queue (oldest first).
    case protocolFailure(operation: String, queue: [String])

    // Server side: configuration (`TLSServerContext`) and accepted handshakes.

    /// A certificate or key file could not be read (`path`, `strerror`).
    case unreadableFile(path: String, reason: String)
    /// The server's private key is protected by a passphrase.
    case encryptedServerKey
    /// The server's private key is not the one its certificate was issued for.
    case serverKeyDoesNotMatchCertificate
    /// A client sent plain HTTP to the TLS port (it was answered with a 400 saying so).
    case plainHTTPRequest
    /// The client ended the handshake with an alert: most often it does not trust the certificate.
    case clientAlert(alert: String)
    /// The client offered only protocol versions older than TLS 1.2.
    case clientVersionTooOld
    /// The client and Wharf have no cipher suite in common.
    case noSharedCipher
    /// The client connected but did not complete the handshake before the deadline.
    case clientHandshakeTimedOut
    /// The client closed the connection during the handshake.
    case clientClosedDuringHandshake

    package var description: String {
        switch self {
        case .notPEM(let input):
            return "The \(input.rawValue) is not in PEM format: paste the text file that starts with "
                + "\"-----BEGIN \(input.expectedLabel)-----\"."
        case .unexpectedPEM(let input, let found):
            let kinds = found.map { "\"\($0)\"" }.joined(separator: ", ")
            return "The \(input.rawValue) holds \(kinds) instead of \"\(input.expectedLabel)\": "
                + "check that the certificate and key fields are not swapped."
        case .unreadablePEM(let input, let detail):
            return "The \(input.rawValue) looks like PEM but cannot be read (\(detail)): "
                + "it may be truncated or edited; copy the whole file again."
        case .encryptedPrivateKey:
            return "The client private key is protected by a passphrase. Wharf needs an unencrypted key: "
                + "`openssl pkey -in key.pem -out key-plain.pem` writes one."
        case .incompleteClientIdentity(let missing):
            return "The \(missing.rawValue) is missing: a client certificate and its private key go together."
        case .keyDoesNotMatchCertificate:
            return "The client private key does not belong to the client certificate: "
                + "use the key that was generated together with this certificate."
        case .unknownCertificateAuthority(let certificate, let issuer):
            if certificate == issuer {
                return "The server's certificate (\(certificate)) is self-signed and not in the CA bundle: "
                    + "add the CA that signed the engine's certificate (Docker's ca.pem) to this host."
            }
            return "The server's certificate (\(certificate)) is signed by \(issuer), which is not in the CA bundle: "
                + "add the CA that signed the engine's certificate (Docker's ca.pem) to this host."
        case .certificateExpired(let certificate, let notAfter):
            return "The server's certificate (\(certificate)) expired on \(UTCTime.format(notAfter)): "
                + "renew the engine's TLS certificate (and check this machine's clock)."
        case .certificateNotYetValid(let certificate, let notBefore):
            return "The server's certificate (\(certificate)) is not valid until \(UTCTime.format(notBefore)): "
                + "check the clocks of this machine and of the engine."
        case .nameMismatch(let expected, let names):
            let listed = names.isEmpty ? "no names" : names.joined(separator: ", ")
            return "The server's certificate is not valid for \(expected); it names \(listed). "
                + "Connect with one of those names, or reissue the certificate with \(expected) in its subjectAltName."
        case .certificateRejected(let reason):
            return "The server's certificate was rejected: \(reason)."
        case .clientCertificateRefused(let alert):
            if alert == "certificate required" {
                return "The server requires a client certificate (TLS alert \"certificate required\"): "
                    + "add the client certificate and key to this host."
            }
            return "The server refused Wharf's client certificate (TLS alert \"\(alert)\"): check that it was "
                + "issued by the CA the engine trusts (dockerd --tlscacert) and has not expired."
        case .alertReceived(let alert):
            if alert == "handshake failure" {
                return "The server ended the TLS handshake (alert \"handshake failure\"): it may require a client "
                    + "certificate, or share no TLS version or cipher with Wharf (TLS 1.2 or later)."
            }
            return "The server ended the TLS connection with alert \"\(alert)\"."
        case .notTLS:
            return "The server does not speak TLS on this port: check the port, or use a plain tcp:// host "
                + "if the engine does not use TLS."
        case .closedDuringHandshake:
            return "The server closed the connection during the TLS handshake: it may not speak TLS on this port, "
                + "or it refused the connection (client certificate, protocol version)."
        case .handshakeTimedOut:
            return "The server accepted the connection but did not complete the TLS handshake in time: "
                + "check that this port serves TLS and that the engine is responsive."
        case .invalidServerName(let name):
            return "\"\(name)\" is not a valid host name or IP address to verify a certificate against."
        case .connectionClosed:
            return "The TLS connection is closed."
        case .protocolFailure(let operation, let queue):
            return queue.isEmpty ? "TLS \(operation) failed." : "TLS \(operation) failed: \(queue.joined(separator: "; "))."
        case .unreadableFile(let path, let reason):
            return "Cannot read \(path): \(reason)."
        case .encryptedServerKey:
            return "The TLS private key (--tls-key) is protected by a passphrase, which Wharf cannot ask for at start-up: "
                + "`openssl pkey -in key.pem -out key-plain.pem` writes an unencrypted copy (keep it mode 0600)."
        case .serverKeyDoesNotMatchCertificate:
            return "The TLS private key (--tls-key) does not belong to the certificate (--tls-cert): "
                + "use the key the certificate was issued for, and put the server certificate first in the chain file."
        case .plainHTTPRequest:
            return "A client sent plain HTTP to the HTTPS port; it was told to use https://."
        case .clientAlert(let alert):
            if ["unknown ca", "bad certificate", "certificate unknown"].contains(alert) {
                return "The client ended the TLS handshake with alert \"\(alert)\": it does not trust Wharf's certificate "
                    + "(a self-signed one must be accepted, or its fingerprint pinned, by each client)."
            }
            return "The client ended the TLS handshake with alert \"\(alert)\"."
        case .clientVersionTooOld:
            return "The client offered only TLS versions older than 1.2, which Wharf refuses."
        case .noSharedCipher:
            return "The client offered no cipher suite Wharf accepts (TLS 1.2 with ECDHE and AES-GCM or ChaCha20, or TLS 1.3)."
        case .clientHandshakeTimedOut:
            return "A client connected but did not complete the TLS handshake in time; the connection was closed."
        case .clientClosedDuringHandshake:
            return "A client closed the connection during the TLS handshake."
        }
    }
}
