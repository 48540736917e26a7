internal import COpenSSL
internal import Glibc
import Synchronization
package import WharfIO

extension TLSConnection {
    /// Performs the server's side of the handshake on an accepted socket, on its event loop
    /// (`WANT_READ`/`WANT_WRITE` wait for readiness, no thread blocks), and returns the connection.
    ///
    /// The socket is closed when the handshake fails. A client that sends plain HTTP is answered
    /// `400` with a line saying to use `https://` before the socket closes, as nginx does.
    /// - Parameter deadline: when the whole handshake must be done (a client that connects and
    ///   stays silent, or trickles bytes, is dropped then: ``TLSError/clientHandshakeTimedOut``).
    /// - Throws: ``TLSError`` (``TLSError/plainHTTPRequest``, ``TLSError/clientAlert(alert:)``,
    ///   ``TLSError/clientVersionTooOld``, ``TLSError/noSharedCipher``,
    ///   ``TLSError/clientClosedDuringHandshake``…), `SystemError`, `CancellationError`.
    package static func accept(over socket: Socket, context: TLSServerContext, deadline: Deadline?) async throws -> TLSConnection {
        let connection: TLSConnection
        do {
            connection = try TLSConnection(accepting: socket, context: context)
        } catch {
            socket.close()
            throw error
        }
        do {
            try await connection.handshake(deadline: deadline)
        } catch TLSError.plainHTTPRequest {
            connection.answerPlainHTTP()
            connection.closeWithoutNotify()
            throw TLSError.plainHTTPRequest
        } catch {
            connection.closeWithoutNotify()
            throw error
        }
        return connection
    }

    /// The protocol chosen by ALPN (`http/1.1`), or nil when the client offered none Wharf speaks.
    package var negotiatedProtocol: String? {
        session.withLock { s -> String? in
            var data: UnsafePointer<UInt8>?
            var length: UInt32 = 0
            SSL_get0_alpn_selected(s.ssl, &data, &length)
            guard let data, length > 0 else { return nil }
            return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
        }
    }

    /// Whether the handshake resumed an earlier session (a ticket or the session cache).
    package var isResumedSession: Bool {
        session.withLock { SSL_session_reused($0.ssl) == 1 }
    }

    /// The plain-text answer to plain HTTP on the TLS port, written straight to the socket (not
    /// through TLS) in one non-blocking attempt: the client is waiting for an HTTP answer.
    private func answerPlainHTTP() {
        let body = "This port speaks HTTPS: use an https:// address.\n"
        let response = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        var bytes = Array(response.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.send(socket.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        socket.shutdownWrite()
    }

    /// The error for a failed `SSL_*` call on the server's side, phrased for the server's log, or
    /// nil when the client merely closed without `close_notify` after the handshake.
    static func serverFailure(sslError: Int32, entries: [OpenSSLErrorQueue.Entry], errno savedErrno: Int32, phase: Phase) -> (any Error)? {
        let ssl = entries.filter { $0.library == ERR_LIB_SSL }
        if sslError == SSL_ERROR_SYSCALL, ssl.isEmpty {
            let wentAway = savedErrno == 0 || savedErrno == ECONNRESET || savedErrno == EPIPE
            if phase == .handshake, wentAway { return TLSError.clientClosedDuringHandshake }
            if savedErrno == 0 { return nil }
            return SystemError(code: savedErrno, operation: "TLS \(phase.rawValue)")
        }
        let reasons = Set(ssl.map(\.reason))
        if reasons.contains(SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            return phase == .handshake ? TLSError.clientClosedDuringHandshake : nil
        }
        if reasons.contains(SSL_R_HTTP_REQUEST) || reasons.contains(SSL_R_HTTPS_PROXY_REQUEST) { return TLSError.plainHTTPRequest }
        if reasons.contains(SSL_R_UNSUPPORTED_PROTOCOL) || reasons.contains(SSL_R_VERSION_TOO_LOW) {
            return TLSError.clientVersionTooOld
        }
        if reasons.contains(SSL_R_NO_SHARED_CIPHER) { return TLSError.noSharedCipher }
        if let alert = ssl.first(where: { $0.reason > SSL_AD_REASON_OFFSET && $0.reason < SSL_AD_REASON_OFFSET + 256 }) {
            return TLSError.clientAlert(alert: alertText(alert.reason - SSL_AD_REASON_OFFSET))
        }
        return TLSError.protocolFailure(operation: "server \(phase.rawValue)", queue: entries.map(\.text))
    }
}
