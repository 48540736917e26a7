import Synchronization
import WharfIO

/// The body of the request a connection is serving, read from its socket on demand.
///
/// Reads happen in the consumer's task, straight from the connection's buffer and socket: the
/// client is read no faster than the handler consumes (backpressure), and at most one socket
/// read (64 KiB) is held. The first read answers `Expect: 100-continue`. One consumer at a time;
/// a second concurrent read is a programming error and is refused.
final class ConnectionBody: RequestBodySource, @unchecked Sendable {
    enum Phase { case reading, finished, failed(HTTPParseError), detached }

    private let socket: Socket
    private let buffer: ByteBuffer
    private let limits: HTTPLimits
    private let limit: Int
    private let framing: BodyFraming
    // The fields below are only touched by the one reader that holds `busy`.
    private var remaining: Int
    private var decoder: ChunkedDecoder
    private var received = 0
    private var needsContinue: Bool
    private let state: Mutex<(phase: Phase, busy: Bool)>

    init(socket: Socket, buffer: ByteBuffer, framing: BodyFraming, limit: Int, limits: HTTPLimits, expectsContinue: Bool) {
        self.socket = socket
        self.buffer = buffer
        self.limits = limits
        self.limit = limit
        self.framing = framing
        decoder = ChunkedDecoder(limits: limits)
        needsContinue = expectsContinue
        if case .length(let length) = framing { remaining = length } else { remaining = 0 }
        state = Mutex((framing == .none ? .finished : .reading, false))
    }

    /// Whether `100 Continue` was never sent although the client waits for it: the client has
    /// not sent the body, so the connection cannot be reused for a next request.
    var continuePending: Bool { needsContinue }

    var phase: Phase { state.withLock { $0.phase } }

    var isComplete: Bool { if case .finished = phase { true } else { false } }

    /// Stops the body from being read once the handler is done with the request.
    func detach() {
        state.withLock { s in
            if case .reading = s.phase { s.phase = .detached }
        }
    }

    func nextChunk() async throws -> [UInt8]? {
        let go = try state.withLock { s throws -> Bool in
            switch s.phase {
            case .finished: return false
            case .failed(let error): throw error
            case .detached: throw HTTPParseError.truncatedBody
            case .reading:
                precondition(!s.busy, "a request body is read by two tasks at once")
                s.busy = true
                return true
            }
        }
        guard go else { return nil }
        do {
            let chunk = try await readChunk()
            state.withLock { s in
                s.busy = false
                if chunk == nil, case .reading = s.phase { s.phase = .finished }
            }
            return chunk
        } catch {
            let parseError = (error as? HTTPParseError) ?? .truncatedBody
            state.withLock { s in
                s.busy = false
                s.phase = .failed(parseError)
            }
            throw error is CancellationError ? error : parseError
        }
    }

    /// Reads and discards the rest of the body, up to `maxBytes`; false when more remains or it failed.
    func drain(maxBytes: Int) async -> Bool {
        var discarded = 0
        do {
            while let chunk = try await nextChunk() {
                discarded += chunk.count
                if discarded > maxBytes { return false }
            }
            return true
        } catch {
            return false
        }
    }

    private func readChunk() async throws -> [UInt8]? {
        if needsContinue {
            needsContinue = false
            try await socket.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), deadline: .after(seconds: limits.writeTimeout))
        }
        while true {
            if !buffer.isEmpty {
                switch framing {
                case .none:
                    return nil
                case .length:
                    if remaining == 0 { return nil }
                    let chunk = buffer.readBytes(upTo: remaining)
                    remaining -= chunk.count
                    return chunk
                case .chunked:
                    let (consumed, event) = try buffer.withReadableBytes { try decoder.next($0) }
                    switch event {
                    case .data(let range):
                        let chunk = buffer.withReadableBytes { Array($0[range]) }
                        buffer.moveReaderIndex(by: consumed)
                        received += chunk.count
                        if received > limit { throw HTTPParseError.bodyTooLarge(limit: limit) }
                        return chunk
                    case .end:
                        buffer.moveReaderIndex(by: consumed)
                        return nil
                    case .needMore:
                        buffer.moveReaderIndex(by: consumed)
                    }
                }
            } else if case .length = framing, remaining == 0 {
                return nil
            }
            if decoder.isDone { return nil }
            let count: Int
            do {
                count = try await socket.read(into: buffer, chunk: 64 * 1024, deadline: .after(seconds: limits.bodyReadTimeout))
            } catch IOError.timedOut {
                throw HTTPParseError.bodyTimeout
            }
            if count == 0 { throw HTTPParseError.truncatedBody }
        }
    }
}
