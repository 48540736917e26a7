package import WharfIO
package import WharfWire

/// The raw, bidirectional byte stream left after the engine switched protocols (`101`), as attach
/// and exec use: whatever the engine sent right after the head comes first, then the connection.
/// Never returns to the pool; ``close()`` closes the connection.
///
/// Half-close works both ways, over a Unix socket, plain TCP and TLS: ``shutdownWrite()`` ends
/// the process's stdin (the engine reads end of file; over TLS it gets `close_notify`, which Go
/// reads as EOF) while its output keeps arriving, and ``read(deadline:)`` returns nil once the
/// engine has finished sending, while writing may go on.
///
/// `@unchecked Sendable`: one reader and one writer at a time, as for any ``ByteStream``; the
/// leftover bytes are touched only by the reader.
package final class DockerUpgradedStream: DuplexStream, @unchecked Sendable {
    /// The engine's answer: `101 UPGRADED` (or `200` from an engine that hijacks without it).
    package let head: DockerResponseHead
    private let connection: DockerConnection

    init(head: DockerResponseHead, connection: DockerConnection) {
        self.head = head
        self.connection = connection
    }

    deinit { connection.close() }

    /// The `101`'s header fields, to pass on to a client as they are.
    package var headers: HTTPHeaders { head.headers }

    /// How the stream is framed: `application/vnd.docker.raw-stream` (raw bytes, a TTY) or
    /// `application/vnd.docker.multiplexed-stream` (8-byte frames per stdout/stderr chunk).
    /// Engines before API 1.42 say raw-stream even when the stream is multiplexed; the container's
    /// `Tty` setting decides there.
    package var contentType: String? { head.headers["Content-Type"] }

    /// The next bytes from the engine, nil once it has finished sending.
    package func read(deadline: Deadline? = nil) async throws -> [UInt8]? {
        let buffer = connection.buffer
        if buffer.isEmpty, try await connection.fill(deadline: deadline) == 0 { return nil }
        return buffer.readBytes(upTo: buffer.readableCount)
    }

    /// Writes bytes to the engine (the process's stdin for attach and exec).
    package func write(_ bytes: [UInt8], deadline: Deadline? = nil) async throws {
        if bytes.isEmpty { return }
        try await connection.stream.write(bytes, deadline: deadline)
    }

    /// Ends the direction towards the engine: the process reads end of file on its stdin, and its
    /// output still arrives through ``read(deadline:)``. Writing afterwards fails.
    package func shutdownWrite() async throws {
        try await connection.stream.shutdownWrite(deadline: nil)
    }

    /// Whether the engine has closed its side.
    package var isPeerClosed: Bool { connection.stream.isPeerClosed }

    package func close() { connection.close() }
}
