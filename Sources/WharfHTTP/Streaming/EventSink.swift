import Synchronization
package import WharfIO
import WharfWire

/// Where an ``EventSink``'s bytes go: a client connection, or a test's collector.
package protocol EventSinkOutput: AnyObject, Sendable {
    /// Writes all of `bytes`, waiting while the client is slow.
    func write(_ bytes: [UInt8]) async throws
    /// Writes what the client takes now: the count written (0 when it would block), or nil when
    /// this output cannot write without waiting (then the sink writes from a short-lived task).
    func writeNow(_ bytes: UnsafeRawBufferPointer) throws -> Int?
    /// Runs `handler` once a write may make progress; false, without registering, when it may now.
    func whenWritable(_ handler: @escaping @Sendable () -> Void) -> Bool
    /// Makes pending and later writes fail at once (the stream is being dropped); safe from any thread.
    func abort()
    /// The stream is over: `complete` when every byte, its end included, was written. Called
    /// once, never while the sink's attach phase or a write of its own is still running.
    func ended(complete: Bool, bodyBytes: Int)
    /// The event loop that owns the client's socket; nil for an output of no loop (a test's).
    var loop: EventLoop? { get }
}

extension EventSinkOutput {
    package var loop: EventLoop? { nil }
}

/// Whole events for many sinks: framed once as an HTTP/1.1 chunk, so a source sending one event
/// to a thousand followers copies nothing per follower (``EventSink/send(_:)-(SinkFrame)``).
package struct SinkFrame: Sendable {
    /// The events' bytes.
    package let bytes: [UInt8]
    /// The same as one chunk.
    let chunk: [UInt8]

    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
        chunk = HTTPHeadEncoder.chunk(bytes)
    }

    package init(_ event: ServerSentEvent) { self.init(event.encoded) }
}

/// A streamed response that holds **no task** while it waits: the server-sent event stream of
/// one follower among many (a job's watchers, a container's log followers, a host's event
/// pages). A thousand followers then cost a thousand small objects, not a thousand tasks with
/// their stacks of async frames.
///
/// Two phases:
/// - **attach**: the handler's `attach` closure runs in a task and writes what the client
///   missed with ``write(_:)`` (waiting while the client is slow), subscribes the sink to its
///   source and returns. Events the source ``send(_:)``s meanwhile are queued behind the replay.
/// - **live**: the source calls ``send(_:)`` from wherever it runs; the bytes go to the socket at
///   once without waiting (one non-blocking `send`), or join a queue that the loop writes out as
///   the client reads. A client more than `pendingLimit` bytes behind is dropped: its stream
///   ends and it resumes with `Last-Event-ID`. ``finish()`` ends the stream after the queue.
///
/// Whoever subscribed it learns that it closed (the client left, it was dropped, it finished)
/// from ``onClose(_:)``, and from ``send(_:)`` returning false.
package final class EventSink: Sendable {
    package static let defaultPendingLimit = 256 * 1024

    /// The stream is closed: nothing more can be written.
    package struct Closed: Error {}

    private enum Phase { case attaching, live, closed }

    private struct State {
        var phase = Phase.attaching
        /// End the stream once the queue is written (its last chunk is already queued).
        var finishing = false
        /// Framed bytes not yet written, from `pendingStart` on.
        var pending: [UInt8] = []
        var pendingStart = 0
        /// A writable callback or a writer task will go on: nothing is written directly meanwhile.
        var waiting = false
        /// A writer task is running (outputs without `writeNow`).
        var writerRunning = false
        /// `output.ended` is due once the attach phase or the writer task is over.
        var endDue: Bool?
        var bodyBytes = 0
        var onClose: (@Sendable () -> Void)?

        var pendingCount: Int { pending.count - pendingStart }
    }

    /// What to do once the lock is released.
    private enum Next {
        case nothing
        case armWritable
        case startWriter
        case close(complete: Bool)
    }

    private let output: any EventSinkOutput
    private let chunked: Bool
    private let pendingLimit: Int
    private let state = Mutex(State())

    /// - Parameter chunked: frame each write as an HTTP/1.1 chunk, and end with the last chunk.
    package init(output: any EventSinkOutput, chunked: Bool, pendingLimit: Int = EventSink.defaultPendingLimit) {
        self.output = output
        self.chunked = chunked
        self.pendingLimit = pendingLimit
    }

    /// The event loop that owns the client's socket (nil for an output of no loop). A source with
    /// followers on several loops can hand each loop its own followers' sends, so one pass over
    /// a thousand followers runs on every core at once.
    package var loop: EventLoop? { output.loop }

    /// Whether events can still be sent (not closed, not finishing).
    package var isOpen: Bool { state.withLock { $0.phase != .closed && !$0.finishing } }

    // MARK: Writing

    /// Writes `bytes` (whole events) and returns once the client took them, waiting while it is
    /// slow: the replay, in the attach phase. Once live, this is ``send(_:)``.
    package func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        try Task.checkCancellation()
        let attaching = try state.withLock { s throws(Closed) -> Bool in
            guard s.phase != .closed, !s.finishing else { throw Closed() }
            return s.phase == .attaching
        }
        guard attaching else {
            if !send(bytes) { throw Closed() }
            return
        }
        try await output.write(frame(bytes))
        state.withLock { $0.bodyBytes += bytes.count }
    }

    /// Writes `event` as ``write(_:)`` does.
    package func write(_ event: ServerSentEvent) async throws { try await write(event.encoded) }

    /// Sends `bytes` (whole events) without waiting: written now if the client takes them, else
    /// queued in order. Returns false when the stream is closed or finishing, or was just dropped
    /// for being too far behind. Safe from any thread.
    @discardableResult
    package func send(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return isOpen }
        return send(framed: frame(bytes), bodyCount: bytes.count)
    }

    /// Sends `frame` as ``send(_:)-([UInt8])`` does, with the framing done once for every sink.
    @discardableResult
    package func send(_ frame: SinkFrame) -> Bool {
        guard !frame.bytes.isEmpty else { return isOpen }
        return send(framed: chunked ? frame.chunk : frame.bytes, bodyCount: frame.bytes.count)
    }

    private func send(framed: [UInt8], bodyCount: Int) -> Bool {
        var accepted = true
        let next = state.withLock { s -> Next in
            guard s.phase != .closed, !s.finishing else {
                accepted = false
                return .nothing
            }
            s.bodyBytes += bodyCount
            if s.phase == .live, !s.waiting, s.pendingCount == 0 {
                s.pending = framed  // shared, not copied: written now unless the socket is full
                return pump(&s)
            }
            if s.pendingCount + framed.count > pendingLimit {
                accepted = false
                return closing(complete: false, &s)
            }
            s.pending += framed
            return .nothing
        }
        perform(next)
        return accepted
    }

    /// Sends `event` as ``send(_:)`` does.
    @discardableResult
    package func send(_ event: ServerSentEvent) -> Bool { send(event.encoded) }

    /// A comment line that keeps proxies and browsers from closing an idle stream.
    package func heartbeat() { send(Self.heartbeatFrame) }

    static let heartbeatFrame = Array(": heartbeat\n\n".utf8)

    /// Ends the stream once everything queued is written. Safe from any thread; idempotent.
    package func finish() {
        let next = state.withLock { s -> Next in
            guard s.phase != .closed, !s.finishing else { return .nothing }
            s.finishing = true
            if chunked { s.pending += HTTPHeadEncoder.lastChunk }
            return pump(&s)
        }
        perform(next)
    }

    /// Closes at once without finishing the body (the client left). Safe from any thread.
    package func close() {
        perform(state.withLock { s in closing(complete: false, &s) })
    }

    /// Runs `handler` once when the stream closes, for whatever reason; at once if it has.
    /// One handler: a later one replaces it. It may run inside a ``send(_:)`` that found the
    /// client gone, so it must not take a lock the sender may hold: hop to a task instead.
    package func onClose(_ handler: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            if s.phase == .closed { return true }
            s.onClose = handler
            return false
        }
        if now { handler() }
    }

    // MARK: Phases

    /// The attach phase is over: with `failed`, the stream closes; else it goes live and the
    /// queue is written. Called by whoever ran `attach` (the connection, a test).
    package func attachEnded(failed: Bool) {
        let next = state.withLock { s -> Next in
            if failed || s.phase == .closed {
                _ = closing(complete: false, &s)  // nothing when already closed
                return dueEnd(&s)
            }
            s.phase = .live
            return pump(&s)
        }
        perform(next)
    }

    // MARK: Inside

    private func frame(_ bytes: [UInt8]) -> [UInt8] { chunked ? HTTPHeadEncoder.chunk(bytes) : bytes }

    /// Writes the queue while the client takes it; says what comes next.
    private func pump(_ s: inout State) -> Next {
        guard s.phase == .live, !s.waiting else { return .nothing }
        while s.pendingCount > 0 {
            let start = s.pendingStart
            let written: Int?
            do {
                written = try s.pending.withUnsafeBytes { raw in try output.writeNow(UnsafeRawBufferPointer(rebasing: raw[start...])) }
            } catch {
                return closing(complete: false, &s)
            }
            guard let written else {
                s.waiting = true
                s.writerRunning = true
                return .startWriter
            }
            if written == 0 {
                s.waiting = true
                return .armWritable
            }
            s.pendingStart += written
        }
        s.pending = []
        s.pendingStart = 0
        return s.finishing ? closing(complete: true, &s) : .nothing
    }

    /// Marks the stream closed; `output.ended` follows now, or once the attach phase or the
    /// writer task is over.
    private func closing(complete: Bool, _ s: inout State) -> Next {
        guard s.phase != .closed else { return .nothing }
        let attaching = s.phase == .attaching
        s.phase = .closed
        s.pending = []
        s.pendingStart = 0
        s.endDue = complete
        if !complete { output.abort() }
        return attaching || s.writerRunning ? .nothing : dueEnd(&s)
    }

    private func dueEnd(_ s: inout State) -> Next {
        guard let complete = s.endDue else { return .nothing }
        s.endDue = nil
        return .close(complete: complete)
    }

    private func perform(_ next: Next) {
        switch next {
        case .nothing:
            return
        case .armWritable:
            if !output.whenWritable({ [self] in writable() }) { writable() }
        case .startWriter:
            Task { await writeQueue() }
        case .close(let complete):
            let (handler, bytes) = state.withLock { s -> ((@Sendable () -> Void)?, Int) in
                defer { s.onClose = nil }
                return (s.onClose, s.bodyBytes)
            }
            handler?()
            output.ended(complete: complete, bodyBytes: bytes)
        }
    }

    /// The client may take more (on the loop thread).
    private func writable() {
        perform(state.withLock { s -> Next in
            s.waiting = false
            return pump(&s)
        })
    }

    /// For outputs that cannot write without waiting: writes the queue, waiting as needed, until
    /// it is empty; then direct sends resume.
    private func writeQueue() async {
        while true {
            let chunk = state.withLock { s -> [UInt8]? in
                guard s.phase != .closed, s.pendingCount > 0 else { return nil }
                defer {
                    s.pending = []
                    s.pendingStart = 0
                }
                return Array(s.pending[s.pendingStart...])
            }
            guard let chunk else { break }
            do {
                try await output.write(chunk)
            } catch {
                perform(state.withLock { s in closing(complete: false, &s) })
                break
            }
        }
        perform(state.withLock { s -> Next in
            s.writerRunning = false
            s.waiting = false
            if s.phase == .closed { return dueEnd(&s) }
            if s.pendingCount > 0 {
                // Queued while the last write was on its way.
                s.waiting = true
                s.writerRunning = true
                return .startWriter
            }
            return s.finishing ? closing(complete: true, &s) : .nothing
        })
    }
}
