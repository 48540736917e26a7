import Synchronization

/// Edge-triggered readiness of one file descriptor registered with an ``EventLoop``.
///
/// The descriptor is registered once with `EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET`, so a
/// request/response cycle costs no `epoll_ctl` call. Each edge sets a flag; a wait consumes the
/// flag (test-and-clear under the lock) or stores its continuation. Any edge after the last
/// `EAGAIN` therefore either sets the flag before the wait or finds the continuation: no lost
/// wake-ups. An edge that arrived before a successful read costs one spurious retry, nothing more.
///
/// A connection with nothing to do can also *park*: it hands over a closure that the loop calls
/// on the next readable edge, and holds no task and no buffer in the meantime.
package final class Readiness: @unchecked Sendable {
    /// Which way a wait goes.
    package enum Direction: Sendable { case read, write }

    package let fd: Int32
    let token: UInt64
    package unowned let loop: EventLoop
    private let state = Mutex(State())

    private struct Waiter {
        let id: UInt64
        let continuation: UnsafeContinuation<Void, any Error>
        /// Attached after the waiter is registered (see ``wait(_:deadline:)``).
        var timer: LoopTimer?
    }

    private struct State {
        var readable = false
        var writable = false
        /// The peer shut down its sending side (`EPOLLRDHUP`): reads will see end of stream.
        var readEnded = false
        /// The connection is gone (`EPOLLHUP`/`EPOLLERR`): both directions fail from now on.
        var hungUp = false
        var closed = false
        var nextID: UInt64 = 0
        var reader: Waiter?
        var writer: Waiter?
        var parked: (@Sendable () -> Void)?
        /// Runs at the next writable edge or hang-up (``onWritable(_:)``).
        var whenWritable: (@Sendable () -> Void)?
        var onHangUp: (@Sendable () -> Void)?
        /// Whether `onHangUp` also runs for a FIN alone.
        var hangUpOnReadEnd = true
    }

    init(fd: Int32, token: UInt64, loop: EventLoop) {
        self.fd = fd
        self.token = token
        self.loop = loop
    }

    /// Whether the peer has shut down its side or the connection failed (as far as the loop has seen).
    package var hasHungUp: Bool { state.withLock { $0.hungUp || $0.readEnded } }

    /// Whether the peer has finished sending (`EPOLLRDHUP`, a FIN): reads will see end of stream.
    /// The peer may still be reading.
    package var hasReadEnded: Bool { state.withLock { $0.readEnded } }

    /// Whether the connection is down in both directions (`EPOLLHUP`/`EPOLLERR`: a reset, a
    /// failure, or both sides shut down): writes fail from now on.
    package var hasFailed: Bool { state.withLock { $0.hungUp } }

    // MARK: Events (called on the loop thread)

    func handle(readable: Bool, writable: Bool, readEnded: Bool, hungUp: Bool) {
        var resume: [UnsafeContinuation<Void, any Error>] = []
        var timers: [LoopTimer] = []
        var callbacks: [@Sendable () -> Void] = []
        state.withLock { s in
            if readEnded { s.readEnded = true }
            if hungUp { s.hungUp = true }
            if hungUp || (readEnded && s.hangUpOnReadEnd) {
                if let onHangUp = s.onHangUp {
                    callbacks.append(onHangUp)
                    s.onHangUp = nil
                }
            }
            if readable || readEnded || hungUp {
                if let reader = s.reader {
                    s.reader = nil
                    resume.append(reader.continuation)
                    if let timer = reader.timer { timers.append(timer) }
                } else if let parked = s.parked {
                    s.parked = nil
                    callbacks.append(parked)
                } else {
                    s.readable = true
                }
            }
            if writable || hungUp {
                if let writer = s.writer {
                    s.writer = nil
                    resume.append(writer.continuation)
                    if let timer = writer.timer { timers.append(timer) }
                } else if let whenWritable = s.whenWritable {
                    s.whenWritable = nil
                    callbacks.append(whenWritable)
                } else {
                    s.writable = true
                }
            }
        }
        for timer in timers { loop.cancel(timer) }
        for continuation in resume { continuation.resume() }
        for callback in callbacks { callback() }
    }

    // MARK: Waiting

    /// Suspends until the descriptor may be ready in `direction`, the deadline passes
    /// (``IOError/timedOut(_:)``), the task is cancelled (`CancellationError`) or the descriptor is
    /// closed (``IOError/closed``). A hang-up counts as ready: the next read or write reports it.
    package func wait(_ direction: Direction, deadline: Deadline? = nil) async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextID &+= 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                enum Outcome { case ready, waiting, fail(any Error) }
                // The waiter is registered before its timer exists: a deadline that has passed, or
                // passes at once under load, then always finds the waiter to fail. (A timer armed
                // first could fire on the loop thread before the waiter was there, and the wait
                // would never end.)
                let outcome = state.withLock { s -> Outcome in
                    if s.closed { return .fail(IOError.closed) }
                    if Task.isCancelled { return .fail(CancellationError()) }
                    switch direction {
                    case .read:
                        if s.readable || s.readEnded || s.hungUp {
                            s.readable = false
                            return .ready
                        }
                        precondition(s.reader == nil && s.parked == nil, "two readers on one descriptor")
                        s.reader = Waiter(id: id, continuation: continuation, timer: nil)
                    case .write:
                        if s.writable || s.hungUp {
                            s.writable = false
                            return .ready
                        }
                        precondition(s.writer == nil && s.whenWritable == nil, "two writers on one descriptor")
                        s.writer = Waiter(id: id, continuation: continuation, timer: nil)
                    }
                    return .waiting
                }
                switch outcome {
                case .waiting:
                    if let deadline { arm(direction, id: id, deadline: deadline) }
                case .ready:
                    continuation.resume()
                case .fail(let error):
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            fail(direction, id: id, with: CancellationError())
        }
    }

    /// Schedules the deadline of waiter `id` and attaches the timer to it; when the waiter has
    /// already been resumed (ready, failed, cancelled), the timer is cancelled instead.
    private func arm(_ direction: Direction, id: UInt64, deadline: Deadline) {
        let timer = loop.schedule(at: deadline) { [weak self] in
            self?.expire(direction, id: id, phase: direction == .read ? "read" : "write")
        }
        let attached = state.withLock { s -> Bool in
            switch direction {
            case .read:
                guard s.reader?.id == id else { return false }
                s.reader?.timer = timer
            case .write:
                guard s.writer?.id == id else { return false }
                s.writer?.timer = timer
            }
            return true
        }
        if !attached { loop.cancel(timer) }
    }

    private func expire(_ direction: Direction, id: UInt64, phase: String) {
        fail(direction, id: id, with: IOError.timedOut(phase))
    }

    /// Fails the waiter `id` in `direction` if it is still waiting.
    private func fail(_ direction: Direction, id: UInt64, with error: any Error) {
        let waiter = state.withLock { s -> Waiter? in
            switch direction {
            case .read:
                guard let reader = s.reader, reader.id == id else { return nil }
                s.reader = nil
                return reader
            case .write:
                guard let writer = s.writer, writer.id == id else { return nil }
                s.writer = nil
                return writer
            }
        }
        guard let waiter else { return }
        if let timer = waiter.timer { loop.cancel(timer) }
        waiter.continuation.resume(throwing: error)
    }

    // MARK: Parking

    /// Parks the descriptor: `handler` runs on the loop thread at the next readable edge or hang-up.
    /// Returns `false` without parking when such an edge already arrived; the caller should read now.
    package func park(_ handler: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { s in
            if s.readable || s.readEnded || s.hungUp || s.closed {
                s.readable = false
                return false
            }
            precondition(s.reader == nil && s.parked == nil, "parked while a reader waits")
            s.parked = handler
            return true
        }
    }

    /// Takes the parked handler back (for example to close an idle connection). Returns whether it was parked.
    package func unpark() -> Bool {
        state.withLock { s in
            defer { s.parked = nil }
            return s.parked != nil
        }
    }

    /// Writing's counterpart of ``park(_:)``: `handler` runs on the loop thread at the next
    /// writable edge or hang-up, with no task waiting meanwhile (a stream written from many
    /// places, see `EventSink`). Returns `false` without registering when such an edge already
    /// arrived; the caller should write now.
    package func onWritable(_ handler: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { s in
            if s.writable || s.hungUp || s.closed {
                s.writable = false
                return false
            }
            precondition(s.writer == nil && s.whenWritable == nil, "two writers on one descriptor")
            s.whenWritable = handler
            return true
        }
    }

    /// Runs `handler` once, on the loop thread, when the peer hangs up or the socket fails.
    /// Used to cancel a handler that streams to a client who has gone away. Pass nil to clear.
    ///
    /// With `readEnd` (the default) a FIN alone counts (`EPOLLRDHUP`: the peer will send nothing
    /// more, which usually means it closed); without, only `EPOLLHUP`/`EPOLLERR` do (a reset, a
    /// failure, or both directions shut down), so a peer that half-closed and still reads is not
    /// taken for gone. Runs at once when that has already happened.
    package func onHangUp(readEnd: Bool = true, _ handler: (@Sendable () -> Void)?) {
        let runNow = state.withLock { s -> Bool in
            if s.hungUp || (s.readEnded && readEnd), handler != nil { return true }
            s.onHangUp = handler
            s.hangUpOnReadEnd = readEnd
            return false
        }
        if runNow, let handler { handler() }
    }

    /// Marks the descriptor closed and fails every waiter with ``IOError/closed``.
    func markClosed() {
        let (reader, writer) = state.withLock { s -> (Waiter?, Waiter?) in
            s.closed = true
            s.parked = nil
            s.whenWritable = nil
            s.onHangUp = nil
            defer { s.reader = nil; s.writer = nil }
            return (s.reader, s.writer)
        }
        for waiter in [reader, writer].compactMap({ $0 }) {
            if let timer = waiter.timer { loop.cancel(timer) }
            waiter.continuation.resume(throwing: IOError.closed)
        }
    }
}
