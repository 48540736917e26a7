import Synchronization
import WharfIO
import WharfWire

/// Reads one response body from its connection, chunk by chunk, as the consumer asks.
///
/// When the body ends as framed, a keep-alive connection goes back to the pool; a body that is
/// abandoned (closed, cancelled, failed, or dropped unread) closes its connection, so a half-read
/// connection is never reused.
///
/// `@unchecked Sendable`: the mutable state is touched only by `next()`, which one iterator calls at
/// a time (`makeAsyncIterator` may be called once); `close()` and `deinit` only take the connection
/// under the lock and close it, which is safe from any thread.
final class ResponseBodyReader: @unchecked Sendable {
    static let chunkSize = 64 * 1024

    private let connectionLock: Mutex<DockerConnection?>
    private let pool: DockerConnectionPool?
    private var framing: BodyFraming
    /// The engine's chunked bodies, with the shared decoder's limits: 4 KiB of extensions per
    /// chunk, a 16 KiB trailer section of at most 128 fields.
    private var chunked = ChunkedDecoder()
    private let reusable: Bool
    private let idleTimeout: Double?
    private let address: String
    private let iterated = Atomic<Bool>(false)

    init(
        connection: DockerConnection, framing: BodyFraming, pool: DockerConnectionPool?, reusable: Bool,
        idleTimeout: Double?, address: String
    ) {
        connectionLock = Mutex(connection)
        self.framing = framing
        self.pool = pool
        self.reusable = reusable
        self.idleTimeout = idleTimeout
        self.address = address
        if framing == .empty || framing == .length(0) { finish(reuse: true) }
    }

    deinit { close() }

    /// Marks the single iteration; a second one is a programmer error.
    func claim() {
        precondition(!iterated.exchange(true, ordering: .relaxed), "a response body can be read only once")
    }

    /// Closes the connection unless the body was already read to its end.
    func close() {
        let connection = connectionLock.withLock { connection in
            defer { connection = nil }
            return connection
        }
        connection?.close()
    }

    private var connection: DockerConnection? { connectionLock.withLock { $0 } }

    /// Returns the connection to the pool (or closes it) once the body is complete.
    private func finish(reuse: Bool) {
        let connection = connectionLock.withLock { connection in
            defer { connection = nil }
            return connection
        }
        guard let connection else { return }
        if reuse, reusable, let pool { pool.checkin(connection) } else { connection.close() }
    }

    /// The next run of body bytes, nil at the end.
    func next() async throws -> [UInt8]? {
        do {
            return try await nextChunk()
        } catch {
            close()
            throw mapBodyError(error)
        }
    }

    private func nextChunk() async throws -> [UInt8]? {
        guard let connection else { return nil }
        let buffer = connection.buffer
        switch framing {
        case .empty:
            finish(reuse: true)
            return nil
        case .length(let remaining):
            if buffer.isEmpty { try await fillOrFail(connection) }
            let bytes = buffer.readBytes(upTo: Int(min(remaining, UInt64(Self.chunkSize))))
            let left = remaining - UInt64(bytes.count)
            framing = .length(left)
            if left == 0 { finish(reuse: true) }
            return bytes
        case .chunked:
            while true {
                if !buffer.isEmpty {
                    let (consumed, event) = try buffer.withReadableBytes { raw throws(WireError) in
                        try chunked.next(raw)
                    }
                    switch event {
                    case .data(let range):
                        let bytes = buffer.withReadableBytes { Array($0[range]) }
                        buffer.moveReaderIndex(by: consumed)
                        return bytes
                    case .end:
                        buffer.moveReaderIndex(by: consumed)
                        finish(reuse: true)
                        return nil
                    case .needMore:
                        buffer.moveReaderIndex(by: consumed)
                    }
                }
                try await fillOrFail(connection)
            }
        case .untilClose:
            if buffer.isEmpty, try await connection.fill(deadline: deadline()) == 0 {
                finish(reuse: false)
                return nil
            }
            return buffer.readBytes(upTo: buffer.readableCount)
        }
    }

    private func deadline() -> Deadline? { idleTimeout.map { Deadline.after(seconds: $0) } }

    private func fillOrFail(_ connection: DockerConnection) async throws {
        if try await connection.fill(deadline: deadline()) == 0 {
            throw DockerError.connectionLost(address: address, phase: .bodyIdle, reason: "the engine closed the connection mid-body")
        }
    }

    private func mapBodyError(_ error: any Error) -> any Error {
        switch error {
        case let failure as WireError:
            DockerError.protocolViolation(address: address, reason: "malformed chunked body: \(failure)")
        default:
            DockerIOErrors.map(error, address: address, phase: .bodyIdle)
        }
    }
}
