package import WharfIO

/// The raw, bidirectional byte stream left after the engine switched protocols (`101`), as attach
/// and exec use: whatever the engine sent right after the head comes first, then the connection.
/// Never returns to the pool; ``close()`` closes the connection.
///
/// `@unchecked Sendable`: one reader and one writer at a time, as for any ``ByteStream``; the
/// leftover bytes are touched only by the reader.
package final class DockerUpgradedStream: @unchecked Sendable {
    package let head: DockerResponseHead
    private let connection: DockerConnection

    init(head: DockerResponseHead, connection: DockerConnection) {
        self.head = head
        self.connection = connection
    }

    deinit { connection.close() }

    /// The next bytes from the engine, nil at end of stream.
    package func read(deadline: Deadline? = nil) async throws -> [UInt8]? {
        let buffer = connection.buffer
        if buffer.isEmpty, try await connection.fill(deadline: deadline) == 0 { return nil }
        return buffer.readBytes(upTo: buffer.readableCount)
    }

    /// Writes bytes to the engine (the process's stdin for attach and exec).
    package func write(_ bytes: [UInt8], deadline: Deadline? = nil) async throws {
        try await connection.stream.write(bytes, deadline: deadline)
    }

    /// Whether the engine has closed its side.
    package var isPeerClosed: Bool { connection.stream.isPeerClosed }

    package func close() { connection.close() }
}
