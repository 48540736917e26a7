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
    /// How much room the next read makes: small at first, doubled by each read that fills it.
    /// Most answers (a ping, an inspect, a few log lines) fit in 4 KiB, and a burst of hundreds of
    /// such calls then costs hundreds of small buffers, not of 64 KiB ones (freed, but fragmenting
    /// the heap so the process keeps them); a long body reaches the 64 KiB reads within a few.
    private var chunk = DockerConnection.firstChunk
    static let firstChunk = 4 * 1024
    static let largestChunk = 64 * 1024

    init(stream: any ByteStream) { self.stream = stream }

    /// A connection dropped anywhere (a pool going away, a task cancelled) still closes its socket.
    deinit { stream.close() }

    /// Reads more into `buffer`. Returns 0 at end of stream.
    func fill(deadline: Deadline?) async throws -> Int {
        let count = try await stream.read(into: buffer, chunk: chunk, deadline: deadline)
        if count >= chunk, chunk < Self.largestChunk { chunk *= 2 }
        return count
    }

    func close() { stream.close() }
}
