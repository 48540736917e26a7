import WharfIO

/// The byte stream under one server connection: everything ``HTTPConnection``, its request
/// bodies, streamed responses and upgraded streams do with the socket goes through here.
///
/// Today the only conformer is a plain ``Socket``. HTTPS (issue 15) slots a TLS stream in behind
/// this seam, with the handshake done before the connection is created, and nothing in parsing,
/// routing or streaming changes. What a TLS conformer must keep true:
/// - ``receive(into:chunk:)`` never waits: `.wouldBlock` when no decrypted byte is available;
/// - ``park(_:)`` returns false when decrypted bytes are already buffered (OpenSSL's, not only the
///   socket's), or the connection would sleep on input it already holds;
/// - ``shutdownWrite()`` sends `close_notify` and keeps reading possible; a received
///   `close_notify` reads as end of input (0), like a FIN.
protocol ConnectionIO: AnyObject, Sendable {
    /// The loop that owns the connection; tasks serving it prefer it as their executor.
    var loop: EventLoop { get }
    /// One read that never waits: bytes read (0 at end of input) or `.wouldBlock`.
    func receive(into buffer: ByteBuffer, chunk: Int) throws -> IOResult<Int>
    /// One read that never waits, into `raw`: bytes read (0 at end of input) or `.wouldBlock`.
    func receive(into raw: UnsafeMutableRawBufferPointer) throws -> IOResult<Int>
    /// Reads at least one byte into `buffer`, waiting until `deadline` (`IOError.timedOut`);
    /// returns 0 at end of input.
    func read(into buffer: ByteBuffer, chunk: Int, deadline: Deadline?) async throws -> Int
    /// Waits until a read may make progress (after `.wouldBlock`).
    func waitReadable(deadline: Deadline?) async throws
    /// Writes all of `bytes`, waiting for room until `deadline`.
    func write(_ bytes: [UInt8], deadline: Deadline?) async throws
    /// Writes what the connection takes now, without waiting: the count written (0 when it would
    /// block), or nil when this connection cannot write without waiting (TLS, where a record that
    /// would block must be retried with the same bytes): then use ``write(_:deadline:)``.
    func sendNow(_ bytes: UnsafeRawBufferPointer) throws -> Int?
    /// Runs `handler` on the loop at the next writable edge or hang-up, with no task waiting.
    /// Returns false without registering when a write may make progress now.
    func onWritable(_ handler: @escaping @Sendable () -> Void) -> Bool
    /// Parks: `handler` runs on the loop at the next readable edge or hang-up. Returns false
    /// without parking when input (or end of input) is already there.
    func park(_ handler: @escaping @Sendable () -> Void) -> Bool
    /// Takes a parked handler back; whether one was parked.
    func unpark() -> Bool
    /// Runs `handler` once on the loop when the peer is gone; with `readEnd`, also when it has
    /// only finished sending (FIN). Nil clears it.
    func onHangUp(readEnd: Bool, _ handler: (@Sendable () -> Void)?)
    /// Whether the peer finished sending or the connection failed, as far as the loop has seen.
    var hasHungUp: Bool { get }
    /// Ends the sending direction (FIN), keeping the receiving one open.
    func shutdownWrite() async
    /// Ends both directions without releasing the descriptor; safe from another task.
    func shutdownBoth()
    /// Releases the connection. Idempotent.
    func close()
}

extension Socket: ConnectionIO {
    func waitReadable(deadline: Deadline?) async throws {
        try await readiness.wait(.read, deadline: deadline)
    }

    func park(_ handler: @escaping @Sendable () -> Void) -> Bool { readiness.park(handler) }

    func sendNow(_ bytes: UnsafeRawBufferPointer) throws -> Int? { try sendSome(bytes) }

    func onWritable(_ handler: @escaping @Sendable () -> Void) -> Bool { readiness.onWritable(handler) }

    func unpark() -> Bool { readiness.unpark() }

    func onHangUp(readEnd: Bool, _ handler: (@Sendable () -> Void)?) { readiness.onHangUp(readEnd: readEnd, handler) }

    var hasHungUp: Bool { readiness.hasHungUp }
}
