internal import COpenSSL
internal import Glibc
import WharfIO

extension TLSConnection {
    /// The error for a failed `SSL_*` call, or nil when the failure only means "the peer closed
    /// the connection without `close_notify`" after the handshake, which reads as end of stream.
    ///
    /// Called under the connection's lock, right after the call, with the error queue just drained.
    static func failure(
        sslError: Int32, entries: [OpenSSLErrorQueue.Entry], errno savedErrno: Int32, phase: Phase,
        session: Session, serverName: String
    ) -> (any Error)? {
        let ssl = entries.filter { $0.library == ERR_LIB_SSL }
        if sslError == SSL_ERROR_SYSCALL, ssl.isEmpty {
            // No OpenSSL error: the socket failed (errno), or the peer closed (errno 0).
            let peerWentAway = savedErrno == 0 || savedErrno == ECONNRESET || savedErrno == EPIPE
            if phase == .handshake, peerWentAway { return TLSError.closedDuringHandshake }
            if savedErrno == 0 { return nil }
            return SystemError(code: savedErrno, operation: "TLS \(phase.rawValue)")
        }
        let reasons = Set(ssl.map(\.reason))
        if reasons.contains(SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            return phase == .handshake ? TLSError.closedDuringHandshake : nil
        }
        if reasons.contains(SSL_R_CERTIFICATE_VERIFY_FAILED) {
            return verificationFailure(session: session, serverName: serverName)
        }
        if !reasons.isDisjoint(with: notTLSReasons) { return TLSError.notTLS }
        if let alert = ssl.first(where: { isAlert($0.reason) }) {
            let code = alert.reason - SSL_AD_REASON_OFFSET
            let text = alertText(code)
            if clientCertificateAlerts.contains(code)
                || (code == SSL_AD_HANDSHAKE_FAILURE && session.verification.certificateRequestedWithoutOne) {
                return TLSError.clientCertificateRefused(alert: text)
            }
            return TLSError.alertReceived(alert: text)
        }
        return TLSError.protocolFailure(operation: phase.rawValue, queue: entries.map(\.text))
    }

    /// The alert a peer sent before resetting the connection, if any.
    ///
    /// A TLS 1.3 server checks the client certificate after the client has finished its handshake,
    /// then sends an alert and closes. A write that follows meets `ECONNRESET`/`EPIPE`, which says
    /// nothing useful, while the alert ("bad certificate") is still queued: Linux hands out data
    /// received before a reset before the error. Reads what is there (discarding application data,
    /// since the connection is failing anyway) until OpenSSL reports the alert or the socket is empty.
    static func alertBeforeReset(session: Session, serverName: String) -> TLSError? {
        var scratch = [UInt8](repeating: 0, count: 16 * 1024)
        for _ in 0..<64 {
            OpenSSLErrorQueue.clear()
            var count = 0
            let result = scratch.withUnsafeMutableBytes { SSL_read_ex(session.ssl, $0.baseAddress, $0.count, &count) }
            if result == 1 { continue }
            let code = SSL_get_error(session.ssl, result)
            let entries = OpenSSLErrorQueue.entries()
            guard code == SSL_ERROR_SSL else { return nil }
            let error = failure(sslError: code, entries: entries, errno: 0, phase: .read, session: session, serverName: serverName)
            switch error as? TLSError {
            case .clientCertificateRefused?, .alertReceived?: return error as? TLSError
            default: return nil
            }
        }
        return nil
    }

    /// What a server that does not speak TLS makes OpenSSL say: its first bytes ("HTTP/1.1 400…")
    /// read as a record header give a nonsense version or length.
    private static let notTLSReasons: Set<Int32> = [
        SSL_R_WRONG_VERSION_NUMBER, SSL_R_PACKET_LENGTH_TOO_LONG, SSL_R_HTTP_REQUEST,
        SSL_R_HTTPS_PROXY_REQUEST, SSL_R_UNKNOWN_PROTOCOL, SSL_R_RECORD_LENGTH_MISMATCH,
    ]

    /// Alerts about the client's certificate (RFC 8446 §6.2): bad_certificate,
    /// unsupported_certificate, certificate_revoked, certificate_expired, certificate_unknown,
    /// unknown_ca, access_denied, certificate_required.
    private static let clientCertificateAlerts: Set<Int32> = [42, 43, 44, 45, 46, 48, 49, 116]

    /// A received alert is reported as reason `SSL_AD_REASON_OFFSET + alert` ("sslv3 alert …").
    private static func isAlert(_ reason: Int32) -> Bool {
        reason > SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256
    }

    /// The alert's RFC 8446 §6 name with spaces ("certificate required"); OpenSSL's reason strings
    /// vary ("tlsv13 alert certificate required", "tlsv1 unrecognized name").
    static func alertText(_ code: Int32) -> String {
        if let name = alertNames[code] { return name }
        return String(cString: SSL_alert_desc_string_long(code)).lowercased()
    }

    private static let alertNames: [Int32: String] = [
        10: "unexpected message", 20: "bad record mac", 22: "record overflow", 40: "handshake failure",
        42: "bad certificate", 43: "unsupported certificate", 44: "certificate revoked", 45: "certificate expired",
        46: "certificate unknown", 47: "illegal parameter", 48: "unknown ca", 49: "access denied", 50: "decode error",
        51: "decrypt error", 70: "protocol version", 71: "insufficient security", 80: "internal error",
        86: "inappropriate fallback", 90: "user canceled", 109: "missing extension", 110: "unsupported extension",
        112: "unrecognized name", 113: "bad certificate status response", 115: "unknown psk identity",
        116: "certificate required", 120: "no application protocol",
    ]

    /// The verification error OpenSSL recorded (`SSL_get_verify_result`), explained with the
    /// certificate the verify callback saw fail.
    private static func verificationFailure(session: Session, serverName: String) -> TLSError {
        let record = session.verification
        let code = record.failure?.code ?? Int32(truncatingIfNeeded: SSL_get_verify_result(session.ssl))
        let failure = record.failure
        let subject = failure?.subject ?? record.leafSubject ?? "unknown"
        switch code {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
             X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return .unknownCertificateAuthority(certificate: subject, issuer: failure?.issuer ?? "an unknown issuer")
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return .certificateExpired(certificate: subject, notAfter: failure?.notAfter ?? 0)
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return .certificateNotYetValid(certificate: subject, notBefore: failure?.notBefore ?? 0)
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            let names = record.leafNames.isEmpty ? record.leafSubject.map { [$0] } ?? [] : record.leafNames
            return .nameMismatch(expected: serverName, certificateNames: names)
        default:
            return .certificateRejected(reason: String(cString: X509_verify_cert_error_string(Int(code))))
        }
    }
}
