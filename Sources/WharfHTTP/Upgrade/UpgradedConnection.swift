package import WharfIO

/// A client connection after `101 Switching Protocols`: a raw duplex byte stream, given to the
/// handler of ``HTTPResponse/switchingProtocols(headers:_:)``.
///
/// Reading starts with the bytes the client sent right after its request, which the server had
/// already read; then it reads the socket. A FIN from the client ends reading only (nil), and
/// writing goes on until the handler ends it with ``shutdownWrite()`` or returns. No idle timeout
/// applies unless the caller passes a deadline: an attach session may be quiet for hours.
///
/// `@unchecked Sendable`: one reader and one writer may run at once, as on any socket; the
/// leftover bytes are touched by the reader only.
package final class UpgradedConnection: DuplexStream, @unchecked Sendable {
    /// The client's address (as the socket sees it).
    package let peer: SocketAddress
    private let io: any ConnectionIO
    /// Bytes read past the request, then each read's bytes.
    private let buffer: ByteBuffer
    private static let chunk = 64 * 1024

    init(io: any ConnectionIO, buffer: ByteBuffer, peer: SocketAddress) {
        self.io = io
        self.buffer = buffer
        self.peer = peer
    }

    /// The next bytes from the client, at most 64 KiB; nil once the client has finished sending.
    /// - Throws: `IOError.timedOut` after `deadline`, `IOError.closed` once the server closed the
    ///   connection (shutdown), `SystemError` when it failed (a reset).
    package func read(deadline: Deadline? = nil) async throws -> [UInt8]? {
        if buffer.isEmpty, try await io.read(into: buffer, chunk: Self.chunk, deadline: deadline) == 0 { return nil }
        return buffer.readBytes(upTo: buffer.readableCount)
    }

    /// Writes all of `bytes` to the client, waiting while it does not read (backpressure).
    /// - Throws: `IOError.timedOut` after `deadline`; `SystemError` (`EPIPE`, `ECONNRESET`) when the
    ///   client is gone or after ``shutdownWrite()``.
    package func write(_ bytes: [UInt8], deadline: Deadline? = nil) async throws {
        if bytes.isEmpty { return }
        try await io.write(bytes, deadline: deadline)
    }

    /// Ends the direction towards the client (a FIN): it reads end of stream and may still send.
    package func shutdownWrite() async {
        await io.shutdownWrite()
    }
}
