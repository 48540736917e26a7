import Synchronization
import WharfIO
import WharfWire

/// The body of the request a connection is serving, read from its socket on demand.
///
/// Reads happen in the consumer's task, straight from the connection's buffer and socket: the
/// client is read no faster than the handler consumes (backpressure), and at most one socket
/// read (64 KiB) is held. The first read answers `Expect: 100-continue`. One consumer at a time;
/// a second concurrent read is a programming error and is refused.
///
/// Slow senders: besides the stall limit (``HTTPLimits/bodyReadTimeout``), the client must keep
/// up ``HTTPLimits/minBodyBytesPerSecond`` averaged over ``HTTPLimits/bodyRateWindow``. Only the
/// time spent waiting for the client counts: a handler that reads slowly (forwarding to a slow
/// engine) never makes its client too slow. See ``BodyRateAllowance``.
final class ConnectionBody: RequestBodySource, @unchecked Sendable {
    enum Phase { case reading, finished, failed(HTTPParseError), detached }

    private let io: any ConnectionIO
    private let buffer: ByteBuffer
    private let limits: HTTPLimits
    private let limit: Int
    private let framing: BodyFraming
    // The fields below are only touched by the one reader that holds `busy`.
    private var remaining: Int
    private var decoder: ChunkedDecoder
    private var received = 0
    private var allowance: BodyRateAllowance
    private var needsContinue: Bool
    private let state: Mutex<(phase: Phase, busy: Bool)>

    init(io: any ConnectionIO, buffer: ByteBuffer, framing: BodyFraming, limit: Int, limits: HTTPLimits, expectsContinue: Bool) {
        self.io = io
        self.buffer = buffer
        self.limits = limits
        self.limit = limit
        self.framing = framing
        decoder = ChunkedDecoder(limits: ChunkedDecoder.Limits(
            maxExtensionBytes: limits.maxChunkExtensionBytes, maxTrailerBytes: limits.maxHeaderBytes,
            maxTrailerFields: limits.maxHeaderCount))
        allowance = BodyRateAllowance(minimumRate: limits.minBodyBytesPerSecond, window: limits.bodyRateWindow)
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
            try await io.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), deadline: .after(seconds: limits.writeTimeout))
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
                    if decoder.isDone { return nil }
                    if let chunk = try decodeBuffered() { return chunk }
                }
            } else if case .length = framing {
                if remaining == 0 { return nil }
                return try await readInPlace()
            }
            if decoder.isDone { return nil }
            let count = try await readFromClient()
            if count == 0 { throw HTTPParseError.truncatedBody }
        }
    }

    /// The body bytes of every chunk already in the buffer, in one array (the Go client sends a
    /// build context in 32 KiB chunks, so one read holds several: one array each made as many
    /// writes to the engine); nil when the buffer held only framing. Consumes what it decodes;
    /// after the last chunk, ``ChunkedDecoder/isDone`` ends the body at the next call.
    private func decodeBuffered() throws -> [UInt8]? {
        var chunk: [UInt8] = []
        while !buffer.isEmpty && !decoder.isDone {
            let (consumed, event): (Int, ChunkedDecoder.Event)
            do {
                (consumed, event) = try buffer.withReadableBytes { raw throws(WireError) in try decoder.next(raw) }
            } catch {
                throw HTTPParseError.chunked(error)
            }
            if case .data(let range) = event {
                if chunk.isEmpty { chunk.reserveCapacity(buffer.readableCount) }
                buffer.withReadableBytes { chunk.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[range])) }
                received += range.count
                if received > limit { throw HTTPParseError.bodyTooLarge(limit: limit) }
            }
            buffer.moveReaderIndex(by: consumed)
        }
        return chunk.isEmpty ? nil : chunk
    }

    /// A chunk of a `Content-Length` body read from the socket straight into the array handed
    /// out, when nothing is buffered: no copy through the connection's buffer (a GiB upload made
    /// that copy a tenth of the server's CPU).
    private func readInPlace() async throws -> [UInt8] {
        let size = min(remaining, Self.inPlaceReadSize)
        var chunk: [UInt8] = []
        let count = try await readFromClient { [io] in
            var outcome = IOResult<Int>.wouldBlock
            chunk = try [UInt8](unsafeUninitializedCapacity: size) { raw, initialized in
                outcome = try io.receive(into: UnsafeMutableRawBufferPointer(raw))
                if case .done(let count) = outcome { initialized = count } else { initialized = 0 }
            }
            if case .done(let count) = outcome { return count }
            chunk = []  // nothing held while waiting for a slow client
            return nil
        }
        if count == 0 { throw HTTPParseError.truncatedBody }
        remaining -= count
        // A short read (a slow client's few bytes) goes out in an array of its own size: a
        // handler that keeps a few chunks (the first header of an upload) must not hold 256 KiB
        // for each byte a client sends on its own. Under a sixteenth, so a fast upload's partial
        // reads are rarely copied, and the copy is small when they are.
        if count < size / 16 { return chunk.withUnsafeBufferPointer { [UInt8]($0) } }
        return chunk
    }

    /// One read from the client into the connection's buffer: the count read, 0 at end of input.
    private func readFromClient() async throws -> Int {
        try await readFromClient { [io, buffer] in
            if case .done(let count) = try io.receive(into: buffer, chunk: Self.readSize) { return count }
            return nil
        }
    }

    /// One read from the client with `attempt` (which never waits; nil when it would block),
    /// within the stall limit and the rate allowance: waits for readability while it would block.
    private func readFromClient(_ attempt: () throws -> Int?) async throws -> Int {
        let started = Deadline.now
        let stall = limits.bodyReadTimeout
        let slow = allowance.remaining.map { $0 < stall } ?? false
        let deadline = Deadline.after(seconds: slow ? max(0, allowance.remaining ?? 0) : stall)
        var count: Int
        while true {
            if let read = try attempt() {
                count = read
                break
            }
            do {
                try await io.waitReadable(deadline: deadline)
            } catch IOError.timedOut {
                // A loop too busy to run this task in time may find the bytes waiting: then the
                // server was slow, not the client.
                guard let late = try attempt() else {
                    throw slow ? HTTPParseError.bodyTooSlow(minimumRate: limits.minBodyBytesPerSecond) : HTTPParseError.bodyTimeout
                }
                count = late
                break
            }
        }
        // Bytes already there when the allowance ran out are still taken (the read tries before
        // it waits); the next wait then has no time left.
        allowance.record(bytes: count, waited: Double(Deadline.now.nanoseconds &- started.nanoseconds) / 1e9)
        return count
    }

    /// The most one read into the connection's buffer takes from the socket (chunked bodies).
    static let readSize = 64 * 1024
    /// The most one read of a `Content-Length` body takes, straight into the chunk handed out.
    /// Larger than ``readSize``: a 1 GiB upload forwarded to an engine took about 5% less time
    /// with 256 KiB reads (fewer reads, sends and wake-ups of the engine), and the array is
    /// allocated only for a read that returns data.
    static let inPlaceReadSize = 256 * 1024
}
