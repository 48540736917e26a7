internal import COpenSSL
internal import Glibc
import Synchronization
package import WharfIO

/// A TLS connection over a non-blocking ``Socket``, driven by the socket's event loop: a client
/// (``connect(over:context:serverName:deadline:)``) or a server's side of an accepted connection
/// (``accept(over:context:deadline:)``).
///
/// OpenSSL reads and writes the socket itself (through ``SocketBIO``); `WANT_READ`/`WANT_WRITE`
/// become waits on the socket's ``Readiness``. Because readiness is edge-triggered, a wait happens
/// only after the BIO saw `EAGAIN`. One reader and one writer may run at the same time on different
/// tasks: every `SSL_*` call runs under one `Mutex`, which is never held across an `await`.
///
/// The connection owns the socket: ``close()`` sends `close_notify` (best effort, without waiting)
/// and closes it; `deinit` closes it if nobody did and frees the `SSL`.
package final class TLSConnection: ByteStream {
    /// The socket under the connection, for its loop and readiness; all I/O goes through the connection.
    package let socket: Socket
    /// The ``TLSContext`` or ``TLSServerContext`` the `SSL` was made from, kept for its lifetime
    /// (the `SSL` holds its own reference too).
    private let contextOwner: any AnyObject & Sendable
    /// The host name or IP address the certificate was checked against; empty on the server side.
    package let serverName: String
    /// Whether this is the server's side (errors are phrased for the server's log).
    let isServer: Bool
    let session: Mutex<Session>

    /// Everything `SSL_*` calls touch, behind the lock.
    struct Session {
        let ssl: OpaquePointer
        let verification: PeerVerification
        var handshakeComplete = false
        var closed = false
        /// A received `close_notify` (`SSL_ERROR_ZERO_RETURN`): the peer will send nothing more.
        var receivedCloseNotify = false
        /// ``shutdownWrite(deadline:)`` sent `close_notify`: nothing more may be written.
        var sentCloseNotify = false
        /// The peer closed the TCP connection without `close_notify` (OpenSSL reports "unexpected
        /// EOF"); treated as end of stream, and no further `SSL_*` call is made.
        var closedWithoutNotify = false
        /// A fatal error (`SSL_ERROR_SSL`/`SYSCALL`): OpenSSL forbids further calls, including
        /// `SSL_shutdown`, so every later operation rethrows it.
        var fatal: (any Error)?
    }

    /// What one `SSL_*` call asked for.
    enum Outcome {
        case success
        case wantRead
        case wantWrite
        /// `close_notify` received, or the peer closed without one.
        case endOfStream
    }

    /// Which operation a step belongs to, for errors.
    enum Phase: String { case handshake, read, write }

    /// The server's side of an accepted connection, before its handshake.
    /// - Throws: ``TLSError/protocolFailure(operation:queue:)`` when OpenSSL cannot allocate.
    init(accepting socket: Socket, context: TLSServerContext) throws(TLSError) {
        let ssl = try Self.makeSSL(context.pointer, fd: socket.fd)
        SSL_set_accept_state(ssl)
        let verification = PeerVerification()  // unused on this side; failure() takes one
        self.socket = socket
        self.contextOwner = context
        self.serverName = ""
        self.isServer = true
        session = Mutex(Session(ssl: ssl, verification: verification))
    }

    private init(socket: Socket, context: TLSContext, serverName: String) throws(TLSError) {
        let name = serverName.hasPrefix("[") && serverName.hasSuffix("]") ? String(serverName.dropFirst().dropLast()) : serverName
        guard !name.isEmpty, !name.utf8.contains(where: { $0 == 0 || $0 == UInt8(ascii: " ") }) else {
            throw .invalidServerName(serverName)
        }
        let ssl = try Self.makeSSL(context.pointer, fd: socket.fd)
        SSL_set_connect_state(ssl)
        let verification = PeerVerification()
        verification.attach(to: ssl)
        do {
            try Self.setExpectedPeer(ssl, name: name)
        } catch {
            SSL_free(ssl)
            throw error
        }
        self.socket = socket
        self.contextOwner = context
        self.serverName = name
        self.isServer = false
        session = Mutex(Session(ssl: ssl, verification: verification))
    }

    /// A new `SSL` from `context` doing its I/O on `fd` through ``SocketBIO`` (one BIO both ways;
    /// the `SSL` owns it). The caller sets the connect or accept state.
    private static func makeSSL(_ context: sending OpaquePointer, fd: Int32) throws(TLSError) -> sending OpaquePointer {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context) else {
            throw .protocolFailure(operation: "connection setup", queue: OpenSSLErrorQueue.drain())
        }
        guard let bio = SocketBIO.make(fd: fd) else {
            SSL_free(ssl)
            throw .protocolFailure(operation: "connection setup", queue: OpenSSLErrorQueue.drain())
        }
        SSL_set_bio(ssl, bio, bio)
        return ssl
    }

    deinit {
        session.withLock { SSL_free($0.ssl) }
        if !socket.isClosed { socket.close() }
    }

    /// Checks the peer against `name`: an IP literal against the certificate's IP SANs
    /// (`X509_VERIFY_PARAM_set1_ip_asc`), a host name against its DNS SANs (`SSL_set1_host`, no
    /// partial wildcards) and sent as SNI. RFC 6066 §3 forbids IP literals in SNI.
    private static func setExpectedPeer(_ ssl: OpaquePointer, name: String) throws(TLSError) {
        var address = in6_addr()
        let isIP = inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1
        if isIP {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 else { throw .invalidServerName(name) }
            return
        }
        SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        guard SSL_set1_host(ssl, name) == 1, COpenSSL_SSL_set_tlsext_host_name(ssl, name) == 1 else {
            OpenSSLErrorQueue.clear()
            throw .invalidServerName(name)
        }
    }

    // MARK: Handshake

    /// Performs the TLS handshake on a connected socket and returns the connection that owns it.
    ///
    /// The socket is closed when the handshake fails.
    /// - Parameters:
    ///   - serverName: the host name or IP address to verify the certificate against (and, for a
    ///     host name, to send as SNI). IPv6 may be bracketed.
    ///   - deadline: when the whole handshake must be done.
    /// - Throws: ``TLSError`` (``TLSError/handshakeTimedOut`` after the deadline), `SystemError`
    ///   for a socket failure, `CancellationError`.
    package static func connect(
        over socket: Socket, context: TLSContext, serverName: String, deadline: Deadline?
    ) async throws -> TLSConnection {
        let connection: TLSConnection
        do {
            connection = try TLSConnection(socket: socket, context: context, serverName: serverName)
        } catch {
            socket.close()
            throw error
        }
        do {
            try await connection.handshake(deadline: deadline)
        } catch {
            connection.closeWithoutNotify()
            throw error
        }
        return connection
    }

    func handshake(deadline: Deadline?) async throws {
        while true {
            switch try step(.handshake, { SSL_do_handshake($0) }) {
            case .success:
                session.withLock { $0.handshakeComplete = true }
                return
            case .wantRead: try await waitDuringHandshake(.read, deadline: deadline)
            case .wantWrite: try await waitDuringHandshake(.write, deadline: deadline)
            case .endOfStream: throw isServer ? TLSError.clientClosedDuringHandshake : TLSError.closedDuringHandshake
            }
        }
    }

    private func waitDuringHandshake(_ direction: Readiness.Direction, deadline: Deadline?) async throws {
        do {
            try await socket.readiness.wait(direction, deadline: deadline)
        } catch IOError.timedOut {
            throw isServer ? TLSError.clientHandshakeTimedOut : TLSError.handshakeTimedOut
        }
    }

    // MARK: Reading and writing

    /// Reads decrypted bytes into `buffer`. Bytes OpenSSL already decrypted are returned at once;
    /// otherwise waits until a record arrives or `deadline` passes (`IOError.timedOut("read")`).
    /// - Returns: the byte count, 0 once the peer sent `close_notify` or closed the connection.
    /// - Throws: ``TLSError`` for a TLS failure (for example ``TLSError/clientCertificateRefused(alert:)``
    ///   when a TLS 1.3 server rejects the client certificate after the handshake), `SystemError`.
    package func read(into buffer: ByteBuffer, chunk: Int = 16 * 1024, deadline: Deadline? = nil) async throws -> Int {
        while true {
            var count = 0
            let outcome = try step(.read) { ssl in
                buffer.reserveWritable(max(chunk, 1))
                var status: Int32 = 0
                _ = buffer.writeWithUnsafeBytes { raw -> Int in
                    status = SSL_read_ex(ssl, raw.baseAddress, raw.count, &count)
                    return status == 1 ? count : 0
                }
                return status
            }
            switch outcome {
            case .success: return count
            case .endOfStream: return 0
            case .wantRead: try await socket.readiness.wait(.read, deadline: deadline)
            case .wantWrite: try await waitWithoutReadiness(deadline: deadline, phase: "read")
            }
        }
    }

    /// Encrypts and writes all of `bytes`, waiting for room as needed. The records of one call go
    /// out in one `send` where the socket takes them (``SocketBIO``).
    /// - Throws: `IOError.timedOut("write")`, `SystemError` (`EPIPE` when the peer is gone), ``TLSError``.
    package func write(_ bytes: [UInt8], deadline: Deadline? = nil) async throws {
        guard !bytes.isEmpty else { return }
        try await encrypt(bytes, gather: bytes.count > SocketBIO.recordSize ? bytes.count : nil, deadline: deadline)
        // Also after a write of one record: records a failed write left gathered go out before it.
        try await flush(deadline: deadline)
    }

    /// Writes `head`, `body` and `tail` as ``write(_:deadline:)`` would write them joined: their
    /// records (the head's and tail's are small ones of their own) go out together, and the body
    /// is not copied to join them. Parts that fit one record together are joined and written as one.
    package func write(_ head: [UInt8], _ body: [UInt8], _ tail: [UInt8], deadline: Deadline? = nil) async throws {
        let total = head.count + body.count + tail.count
        guard total > SocketBIO.recordSize else { return try await write(head + body + tail, deadline: deadline) }
        for piece in [head, body, tail] where !piece.isEmpty { try await encrypt(piece, gather: total, deadline: deadline) }
        try await flush(deadline: deadline)
    }

    /// Hands `bytes` to `SSL_write`, waiting for room as needed. With `gather` (the size of the
    /// whole write), the BIO gathers the records for ``flush(deadline:)`` (sending them itself only
    /// when it holds 256 KiB); without, each record is sent as it comes.
    private func encrypt(_ bytes: [UInt8], gather: Int?, deadline: Deadline?) async throws {
        while true {
            let outcome = try step(.write) { ssl in
                if let gather { SocketBIO.cork(ssl, expecting: gather) }
                defer { if gather != nil { SocketBIO.uncork(ssl) } }
                var written = 0
                return bytes.withUnsafeBytes { SSL_write_ex(ssl, $0.baseAddress, $0.count, &written) }
            }
            switch outcome {
            case .success: return
            case .wantWrite: try await socket.readiness.wait(.write, deadline: deadline)
            case .wantRead: try await waitWithoutReadiness(deadline: deadline, phase: "write")
            case .endOfStream: throw SystemError(code: EPIPE, operation: "TLS write")
            }
        }
    }

    /// Sends what the BIO gathered, waiting for room as needed.
    private func flush(deadline: Deadline?) async throws {
        while try !flushGathered() {
            try await socket.readiness.wait(.write, deadline: deadline)
        }
    }

    /// How many `send` calls carried this connection's records so far (tests).
    package var recordSends: Int { session.withLock { SocketBIO.sends($0.ssl) } }

    /// The room the BIO's gathering buffer holds (tests: none between writes).
    package var gatherCapacity: Int { session.withLock { SocketBIO.bufferCapacity($0.ssl) } }

    /// Sends the records gathered by the last write; false when the socket is full. A failed
    /// send fails the connection as a failed `SSL_write` does.
    private func flushGathered() throws -> Bool {
        try session.withLock { s throws -> Bool in
            if s.closed { throw IOError.closed }
            if let fatal = s.fatal { throw fatal }
            switch SocketBIO.flush(s.ssl) {
            case .done: return true
            case .wouldBlock: return false
            case .failed(let code):
                var error: any Error = SystemError(code: code, operation: "TLS write")
                if !isServer, s.handshakeComplete, code == ECONNRESET || code == EPIPE,
                   let alert = TLSConnection.alertBeforeReset(session: s, serverName: serverName) {
                    error = alert
                }
                s.fatal = error
                throw error
            }
        }
    }

    /// A read that must write first (a KeyUpdate answer), or a write that must read first, cannot
    /// wait on readiness: that direction may belong to the concurrent writer or reader, and
    /// ``Readiness`` allows one waiter per direction. This is rare (renegotiation is disabled), so
    /// it retries after a millisecond instead.
    func waitWithoutReadiness(deadline: Deadline?, phase: String) async throws {
        if let deadline, deadline.hasPassed { throw IOError.timedOut(phase) }
        try await Task.sleep(for: .milliseconds(1))
    }

    // MARK: State

    /// Whether the peer sent `close_notify`, the connection failed or was closed, or the event
    /// loop saw the socket hang up. A pool discards such a connection.
    package var isPeerClosed: Bool {
        socket.isPeerClosed
            || session.withLock { $0.closed || $0.receivedCloseNotify || $0.closedWithoutNotify || $0.fatal != nil }
    }

    /// Whether the peer ended its side with `close_notify`. A read that returned 0 without it means
    /// the TCP connection ended without one: harmless when the HTTP framing says the message is
    /// complete, a truncation when the body runs to the end of the stream.
    package var peerSentCloseNotify: Bool { session.withLock { $0.receivedCloseNotify } }

    /// The negotiated protocol ("TLSv1.3").
    package var protocolVersion: String {
        session.withLock { String(cString: SSL_get_version($0.ssl)) }
    }

    /// The server's certificate, for display.
    package var peerCertificate: CertificateInfo? {
        session.withLock { s -> CertificateInfo? in
            guard let certificate = SSL_get1_peer_certificate(s.ssl) else { return nil }
            return CertificateInfo(X509Certificate(owning: certificate))
        }
    }

    /// Sends `close_notify` if the handshake completed and nothing failed (one non-blocking
    /// attempt: a full socket buffer means the peer is not reading anyway), then closes the socket.
    /// Idempotent; a read or write waiting on another task fails with `IOError.closed`.
    package func close() {
        let wasOpen = session.withLock { s -> Bool in
            guard !s.closed else { return false }
            s.closed = true
            if s.handshakeComplete, s.fatal == nil, !s.closedWithoutNotify {
                OpenSSLErrorQueue.clear()
                _ = SSL_shutdown(s.ssl)
                OpenSSLErrorQueue.clear()
            }
            return true
        }
        if wasOpen { socket.close() }
    }

    /// Closes the socket without `close_notify`, after a failed handshake.
    func closeWithoutNotify() {
        session.withLock { $0.closed = true }
        socket.close()
    }

    // MARK: One OpenSSL call

    /// Runs one `SSL_*` call under the lock and sorts its result: progress, a wait, end of stream,
    /// or a thrown error built from the error queue, `errno` and what verification recorded.
    /// The queue is cleared before the call so stale entries never blame it.
    func step(_ phase: Phase, _ call: (OpaquePointer) -> Int32) throws -> Outcome {
        try session.withLock { s throws -> Outcome in
            if s.closed { throw phase == .handshake ? TLSError.connectionClosed : IOError.closed }
            if let fatal = s.fatal { throw fatal }
            if s.closedWithoutNotify { return .endOfStream }
            if phase == .write, s.sentCloseNotify { throw SystemError(code: EPIPE, operation: "TLS write after close_notify") }
            OpenSSLErrorQueue.clear()
            let result = call(s.ssl)
            let savedErrno = errno
            if result > 0 { return .success }
            let code = SSL_get_error(s.ssl, result)
            switch code {
            case SSL_ERROR_WANT_READ:
                return .wantRead
            case SSL_ERROR_WANT_WRITE:
                return .wantWrite
            case SSL_ERROR_ZERO_RETURN:
                s.receivedCloseNotify = true
                return .endOfStream
            default:
                let entries = OpenSSLErrorQueue.entries()
                if isServer {
                    let error = TLSConnection.serverFailure(sslError: code, entries: entries, errno: savedErrno, phase: phase)
                    guard let error else {
                        s.closedWithoutNotify = true
                        return .endOfStream
                    }
                    s.fatal = error
                    throw error
                }
                var error = TLSConnection.failure(
                    sslError: code, entries: entries, errno: savedErrno, phase: phase,
                    session: s, serverName: serverName)
                if phase == .write, s.handshakeComplete, code == SSL_ERROR_SYSCALL,
                   savedErrno == ECONNRESET || savedErrno == EPIPE,
                   let alert = TLSConnection.alertBeforeReset(session: s, serverName: serverName) {
                    error = alert
                }
                guard let error else {
                    s.closedWithoutNotify = true
                    return .endOfStream
                }
                s.fatal = error
                throw error
            }
        }
    }
}
