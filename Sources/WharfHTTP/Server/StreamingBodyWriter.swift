import Synchronization
import WharfIO
import WharfWire

/// Writes a streamed response body to the connection: in chunked encoding when the length is not
/// known, raw otherwise. Each write leaves in one `send` and returns once the kernel took it.
///
/// Writes are serialized (the producer's, and the connection's probe after a client's FIN), and
/// none goes out once the body has ended, so a late probe can never land after the last chunk.
final class StreamingBodyWriter: ResponseBodyWriter, Sendable {
    struct LengthExceeded: Error, CustomStringConvertible {
        let declared: Int
        var description: String { "a streamed body wrote more than its declared length of \(declared) bytes" }
    }

    /// The body has ended: nothing more may be written.
    struct Ended: Error {}

    private let io: any ConnectionIO
    private let chunked: Bool
    private let declaredLength: Int?
    private let writeTimeout: Double
    private let order = AsyncMutex()
    private let state = Mutex<(written: Int, ended: Bool)>((0, false))

    init(io: any ConnectionIO, chunked: Bool, declaredLength: Int?, writeTimeout: Double) {
        self.io = io
        self.chunked = chunked
        self.declaredLength = declaredLength
        self.writeTimeout = writeTimeout
    }

    /// Body bytes written so far (without chunk framing).
    var written: Int { state.withLock { $0.written } }

    func write(_ bytes: [UInt8]) async throws {
        if bytes.isEmpty { return }
        try Task.checkCancellation()
        try await order.withLock { try await self.send(bytes) }
    }

    private func send(_ bytes: [UInt8]) async throws {
        try state.withLock { s throws in
            if s.ended { throw Ended() }
            if let declaredLength, s.written + bytes.count > declaredLength { throw LengthExceeded(declared: declaredLength) }
        }
        try await io.write(chunked ? HTTPHeadEncoder.chunk(bytes) : bytes, deadline: .after(seconds: writeTimeout))
        state.withLock { $0.written += bytes.count }
    }

    /// Writes `bytes` unless the body has ended (the probe after a client's FIN); failures are the
    /// connection's to notice.
    func probe(_ bytes: [UInt8]) async {
        try? await order.withLock { try await self.send(bytes) }
    }

    /// Ends a chunked body (`0\r\n\r\n`); nothing can be written after.
    func finish() async throws {
        try await order.withLock {
            guard !self.end() else { return }
            if self.chunked { try await self.io.write(HTTPHeadEncoder.lastChunk, deadline: .after(seconds: self.writeTimeout)) }
        }
    }

    /// Marks the body ended without writing anything (a producer that failed or was cancelled).
    /// Returns whether it had already ended.
    @discardableResult
    func end() -> Bool {
        state.withLock { s in
            defer { s.ended = true }
            return s.ended
        }
    }
}
