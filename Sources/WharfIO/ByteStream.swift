/// A bidirectional byte stream on an event loop: a plain ``Socket``, or a TLS connection over one.
///
/// Clients (the Docker client's HTTP codec) are written against this, so the same code speaks to a
/// unix socket, plain TCP and mutual TLS. One reader and one writer at a time.
package protocol ByteStream: AnyObject, Sendable {
    /// Reads what is available into `buffer` (making room for `chunk` bytes), waiting until at least
    /// one byte arrives or `deadline` passes. Returns 0 at end of stream.
    func read(into buffer: ByteBuffer, chunk: Int, deadline: Deadline?) async throws -> Int
    /// Writes all of `bytes`, waiting for room as needed.
    func write(_ bytes: [UInt8], deadline: Deadline?) async throws
    /// Writes `head`, `body` and `tail` as ``write(_:deadline:)`` would write them joined, without
    /// joining them: an HTTP/1.1 chunk's framing around a body of 256 KiB costs no copy of it.
    func write(_ head: [UInt8], _ body: [UInt8], _ tail: [UInt8], deadline: Deadline?) async throws
    /// Whether the peer has closed or the connection failed, as far as the event loop has seen.
    /// A pooled connection that says so is discarded instead of reused.
    var isPeerClosed: Bool { get }
    /// Ends the sending direction only: a FIN (`shutdown(SHUT_WR)`), or for TLS a `close_notify`
    /// with the socket left open. The peer reads end of stream and may go on sending; reading here
    /// goes on. Writing afterwards fails.
    func shutdownWrite(deadline: Deadline?) async throws
    /// Closes the stream (for TLS, after a best-effort `close_notify`). Idempotent.
    func close()
}

extension Socket: ByteStream {
    package var isPeerClosed: Bool { isClosed || readiness.hasHungUp }

    package func shutdownWrite(deadline: Deadline?) async throws {
        shutdownWrite()
    }
}
