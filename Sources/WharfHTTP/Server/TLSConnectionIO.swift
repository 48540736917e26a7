import Synchronization
import WharfIO
import WharfTLS

/// An HTTPS connection's byte stream: a ``TLSConnection`` whose handshake is done, behind
/// ``ConnectionIO``, so parsing, bodies, streams and upgrades work as over a plain socket.
///
/// What the seam asks of it:
/// - ``receive(into:chunk:)`` never waits: `SSL_read_ex` on the non-blocking socket, `.wouldBlock`
///   when no complete record is there.
/// - Parking and waiting use the socket's readiness, but only after OpenSSL's own decrypted bytes
///   are taken (``TLSConnection/hasDecryptedInput``): readiness knows nothing of those. Parking
///   also waits for a receive that ended in `WANT_READ` (see `mayHaveInput`).
/// - `close_notify` reads as end of input (0), like a FIN; ``shutdownWrite()`` sends ours and
///   keeps reading possible (a half-close). A `close_notify` that comes while nobody reads (a
///   streamed response) is seen with the FIN that follows it, as on a plain socket.
/// - A read that needs a write (rare: a KeyUpdate answer into a full socket) does not wait on
///   readability, which may never come; it retries after a millisecond.
final class TLSConnectionIO: ConnectionIO {
    let tls: TLSConnection
    /// The last receive needed a write (``TLSConnection/Received/wantWrite``).
    private let readNeedsWrite = Atomic<Bool>(false)
    /// Whether the socket may hold bytes no readiness edge will announce: true until a receive
    /// ends in `WANT_READ` (OpenSSL saw `EAGAIN`). The handshake reads exactly its own records, so
    /// a request that came in the same segment as the client's Finished is already in the
    /// socket's buffer, and its edge was consumed by the handshake's last wait: parking then
    /// would sleep forever on a request already there.
    private let mayHaveInput = Atomic<Bool>(true)

    init(_ tls: TLSConnection) { self.tls = tls }

    var loop: EventLoop { tls.socket.loop }

    func receive(into buffer: ByteBuffer, chunk: Int) throws -> IOResult<Int> {
        noted(try tls.receive(into: buffer, chunk: chunk))
    }

    func receive(into raw: UnsafeMutableRawBufferPointer) throws -> IOResult<Int> {
        noted(try tls.receive(into: raw))
    }

    /// `received` as an ``IOResult``, noting what the next wait must know.
    private func noted(_ received: TLSConnection.Received) -> IOResult<Int> {
        switch received {
        case .bytes(let count):
            readNeedsWrite.store(false, ordering: .relaxed)
            mayHaveInput.store(true, ordering: .relaxed)
            return .done(count)
        case .wantRead:
            readNeedsWrite.store(false, ordering: .relaxed)
            mayHaveInput.store(false, ordering: .relaxed)
            return .wouldBlock
        case .wantWrite:
            readNeedsWrite.store(true, ordering: .relaxed)
            return .wouldBlock
        }
    }

    func read(into buffer: ByteBuffer, chunk: Int, deadline: Deadline?) async throws -> Int {
        let count = try await tls.read(into: buffer, chunk: chunk, deadline: deadline)
        mayHaveInput.store(true, ordering: .relaxed)
        return count
    }

    func waitReadable(deadline: Deadline?) async throws {
        if tls.hasDecryptedInput { return }
        if readNeedsWrite.load(ordering: .relaxed) {
            if let deadline, deadline.hasPassed { throw IOError.timedOut("read") }
            try await Task.sleep(for: .milliseconds(1))
            return
        }
        try await tls.socket.readiness.wait(.read, deadline: deadline)
    }

    func write(_ bytes: [UInt8], deadline: Deadline?) async throws {
        try await tls.write(bytes, deadline: deadline)
    }

    /// Never: OpenSSL needs a write that would block retried with the same bytes, so streams
    /// over TLS write with ``write(_:deadline:)``.
    func sendNow(_ bytes: UnsafeRawBufferPointer) throws -> Int? { nil }

    func onWritable(_ handler: @escaping @Sendable () -> Void) -> Bool { false }

    func park(_ handler: @escaping @Sendable () -> Void) -> Bool {
        if mayHaveInput.load(ordering: .relaxed) || tls.hasDecryptedInput { return false }
        if readNeedsWrite.load(ordering: .relaxed) {
            // Not readiness (it may never come) and not "serve now" (that would spin): soon.
            _ = loop.schedule(at: .after(milliseconds: 1)) { handler() }
            return true
        }
        return tls.socket.readiness.park(handler)
    }

    func unpark() -> Bool { tls.socket.readiness.unpark() }

    func onHangUp(readEnd: Bool, _ handler: (@Sendable () -> Void)?) {
        tls.socket.readiness.onHangUp(readEnd: readEnd, handler)
    }

    var hasHungUp: Bool { tls.isPeerClosed }

    /// Sends `close_notify` (waiting up to 5 s for room), keeping the connection readable.
    func shutdownWrite() async {
        try? await tls.shutdownWrite(deadline: .after(seconds: 5))
    }

    func shutdownBoth() { tls.socket.shutdownBoth() }

    func close() { tls.close() }
}
