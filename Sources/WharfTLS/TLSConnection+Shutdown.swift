internal import COpenSSL
internal import Glibc
import Synchronization
package import WharfIO

extension TLSConnection {
    /// Ends the sending direction with `close_notify` and keeps the connection open for reading:
    /// the peer reads end of stream (Go's `tls.Conn` returns `io.EOF`, as after the docker CLI's
    /// `CloseWrite`) and may go on sending; reads here go on until its own `close_notify` or FIN.
    /// Writing afterwards fails with `EPIPE`. The TCP connection stays up until ``close()``.
    ///
    /// Call it from the writing side (one writer at a time). Idempotent.
    /// - Throws: `IOError.timedOut("write")` when the socket stays full past `deadline`,
    ///   `IOError.closed`, or the connection's ``TLSError`` / `SystemError`.
    package func shutdownWrite(deadline: Deadline? = nil) async throws {
        while true {
            let outcome = try session.withLock { s throws -> Outcome in
                if s.closed { throw IOError.closed }
                if let fatal = s.fatal { throw fatal }
                if s.sentCloseNotify || s.closedWithoutNotify { return .success }
                OpenSSLErrorQueue.clear()
                // SSL_shutdown: 0 once our close_notify is written and the peer's has not come,
                // 1 when it had; < 0 when the socket is full (or the call failed).
                let result = SSL_shutdown(s.ssl)
                let savedErrno = errno
                if result >= 0 {
                    s.sentCloseNotify = true
                    OpenSSLErrorQueue.clear()
                    return .success
                }
                let code = SSL_get_error(s.ssl, result)
                switch code {
                case SSL_ERROR_WANT_WRITE: return .wantWrite
                case SSL_ERROR_WANT_READ: return .wantRead
                default:
                    let entries = OpenSSLErrorQueue.entries()
                    let error = TLSConnection.failure(
                        sslError: code, entries: entries, errno: savedErrno, phase: .write, session: s, serverName: serverName)
                        ?? SystemError(code: EPIPE, operation: "TLS close_notify")
                    s.fatal = error
                    throw error
                }
            }
            switch outcome {
            case .success, .endOfStream: return
            case .wantWrite: try await socket.readiness.wait(.write, deadline: deadline)
            case .wantRead: try await waitWithoutReadiness(deadline: deadline, phase: "write")
            }
        }
    }
}
