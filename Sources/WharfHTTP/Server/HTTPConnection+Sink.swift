import Synchronization
import WharfIO
import WharfWire

/// An ``EventSink`` stream on a connection: the attach phase runs in a task, then the connection
/// belongs to the sink, with no task, until the stream ends.
extension HTTPConnection {
    /// Runs the sink's attach phase (its head is sent); returns once the stream is live, or over.
    /// `ended` runs once the stream is over, with its body bytes and whether it ended completely.
    func attachSink(
        heartbeat: Duration, pendingLimit: Int, chunked: Bool, attach: @escaping @Sendable (EventSink) async throws -> Void,
        context: RequestContext, ended: @escaping @Sendable (_ bytes: Int, _ complete: Bool) -> Void
    ) async {
        let output = ConnectionSinkOutput(connection: self, ended: ended)
        let sink = EventSink(output: output, chunked: chunked, pendingLimit: pendingLimit)
        server.eventStreamStarted()
        let task = Task(executorPreference: io.loop) { try await attach(sink) }
        canceller.withLock {
            $0 = .stream({
                task.cancel()
                sink.finish()
            })
        }
        // A client's FIN: the probe (queued behind the replay), then a reset ends the attach phase.
        let probe = Array(":\n".utf8)
        io.onHangUp(readEnd: true) { [io] in
            io.onHangUp(readEnd: false) { task.cancel() }
            sink.send(probe)
        }
        let result = await task.result
        if case .failure(let error) = result {
            if !(error is CancellationError || task.isCancelled || error is SystemError || error is IOError || error is EventSink.Closed) {
                server.configuration.errorLog("request \(context.requestID): stream failed: \(error)")
            }
            sink.attachEnded(failed: true)
            return
        }
        // Live: nothing refers to the finished task (its object holds the task's first allocator
        // slab), and a client that leaves closes the sink (a hang-up during the attach phase is
        // seen here).
        canceller.withLock { $0 = .stream({ sink.finish() }) }
        io.onHangUp(readEnd: true) { [io] in
            io.onHangUp(readEnd: false) { sink.close() }
            sink.send(probe)
        }
        sink.attachEnded(failed: false)
        output.beat(sink, every: heartbeat)
    }
}

/// A connection as an ``EventSink``'s output; ends the stream's part of the connection's life.
final class ConnectionSinkOutput: EventSinkOutput {
    private let connection: HTTPConnection
    private let ended: @Sendable (Int, Bool) -> Void
    /// The next heartbeat; nil once the stream is over.
    private let timer = Mutex<(next: LoopTimer?, over: Bool)>((nil, false))

    init(connection: HTTPConnection, ended: @escaping @Sendable (Int, Bool) -> Void) {
        self.connection = connection
        self.ended = ended
    }

    private var io: any ConnectionIO { connection.io }

    func write(_ bytes: [UInt8]) async throws {
        try await io.write(bytes, deadline: .after(seconds: connection.limits.writeTimeout))
    }

    func writeNow(_ bytes: UnsafeRawBufferPointer) throws -> Int? { try io.sendNow(bytes) }

    var loop: EventLoop? { io.loop }

    func whenWritable(_ handler: @escaping @Sendable () -> Void) -> Bool { io.onWritable(handler) }

    func abort() { io.shutdownBoth() }

    /// Sends a heartbeat every `interval` while the stream lasts.
    func beat(_ sink: EventSink, every interval: Duration) {
        let (seconds, attoseconds) = interval.components
        let milliseconds = max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
        let next = io.loop.schedule(at: .after(milliseconds: milliseconds)) { [self] in
            sink.heartbeat()
            beat(sink, every: interval)
        }
        let late = timer.withLock { t -> Bool in
            if t.over { return true }
            t.next = next
            return false
        }
        if late { io.loop.cancel(next) }
    }

    func ended(complete: Bool, bodyBytes: Int) {
        if let next = timer.withLock({ t -> LoopTimer? in
            t.over = true
            defer { t.next = nil }
            return t.next
        }) {
            io.loop.cancel(next)
        }
        connection.canceller.withLock { $0 = nil }
        io.onHangUp(readEnd: true, nil)
        connection.server.eventStreamEnded()
        // On the loop, as the connection's own tasks run: parking or closing from a source's thread
        // would race the loop's handling of this socket.
        let ended = self.ended
        io.loop.execute { ended(bodyBytes, complete) }
    }
}
