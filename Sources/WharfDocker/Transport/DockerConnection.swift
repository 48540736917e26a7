package import WharfIO

/// One open connection to an engine: its byte stream, the bytes read past the current message, and
/// when it went idle.
///
/// `@unchecked Sendable`: a connection has one owner at a time. The pool hands it to exactly one
/// request, which hands it to exactly one response body, which gives it back or closes it; the
/// stream's own `close()` is idempotent and thread-safe, which is all a `deinit` elsewhere may call.
package final class DockerConnection: @unchecked Sendable {
    package let stream: any ByteStream
    /// Bytes received and not yet consumed (a pipelined or early byte, the start of a body).
    let buffer = ByteBuffer()
    /// When the connection was last returned to the pool.
    var idleSince = Deadline.now
    /// How many responses it has completed.
    var completed = 0

    init(stream: any ByteStream) { self.stream = stream }

    /// A connection dropped anywhere (a pool going away, a task cancelled) still closes its socket.
    deinit { stream.close() }

    /// Reads more into `buffer`. Returns 0 at end of stream.
    func fill(deadline: Deadline?) async throws -> Int {
        try await stream.read(into: buffer, chunk: 64 * 1024, deadline: deadline)
    }

    func close() { stream.close() }
}
