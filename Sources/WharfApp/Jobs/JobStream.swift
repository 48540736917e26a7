import WharfHTTP
import WharfSQLite
import WharfWire

/// A job's output as server-sent events (`/jobs/:id/events`, `/api/v1/jobs/:id/events`): the
/// events after the client's `Last-Event-ID` (or `?after=`) are replayed from the table in
/// batches of ``batch`` (one read and one write each, never holding a read transaction while the
/// client is slow), then from the running job's tail, then followed live, with comment
/// heartbeats, until the `end` event, after which the stream closes. Every watcher of a running
/// job reads the same ``JobOutput``: no engine connection, no copy and, once it has caught up,
/// no task per watcher (the output sends to its ``EventSink``).
struct JobStream: Sendable {
    static let batch = 2000

    let runner: JobRunner
    var heartbeat: Duration = .seconds(15)

    /// The event id a client resumes after: `Last-Event-ID` (sent by a browser that reconnects),
    /// else `?after=` (a page that rendered the output so far), else 0 (everything).
    static func cursor(_ request: HTTPRequest) -> Int64 {
        let text = request.lastEventID ?? request.queryValue("after") ?? ""
        return max(0, Int64(text.trimmingASCIISpaces()) ?? 0)
    }

    func response(_ job: Job, after cursor: Int64) -> HTTPResponse {
        let runner = self.runner
        let database = runner.database
        return .eventSink(heartbeat: heartbeat) { sink in
            var cursor = cursor
            /// Sends `events`; true once the end is sent.
            func send(_ events: [JobEvent]) async throws -> Bool {
                guard let last = events.last else { return false }
                var bytes: [UInt8] = []
                bytes.reserveCapacity(events.reduce(0) { $0 + $1.byteCount + 40 })
                for event in events { bytes += event.serverSentEvent.encoded }
                try await sink.write(bytes)
                cursor = last.seq
                return last.kind == .end
            }
            func replay(through: Int64) async throws -> Bool {
                while cursor < through {
                    let after = cursor
                    let events = try await database.read { connection in
                        try JobRepository.events(of: job.id, after: after, through: through, limit: Self.batch, on: connection)
                    }
                    if events.isEmpty { return false }
                    if try await send(events) { return true }
                }
                return false
            }
            while true {
                if let output = runner.output(of: job.id) {
                    switch output.read(after: cursor, limit: Self.batch) {
                    case .events(let events):
                        if try await send(events) { return sink.finish() }
                    case .behind(let through):
                        if try await replay(through: through) { return sink.finish() }
                    case .wait:
                        // Caught up: the output sends on from here, and finishes the stream.
                        if let id = output.watch(sink, after: cursor) {
                            // Not inline: a failed send closes the sink under the output's lock.
                            sink.onClose { Task { output.unwatch(id) } }
                            return
                        }
                    case .ended:
                        try await sendEnd(job.id, database: database, sink: sink, cursor: cursor)
                        return sink.finish()
                    }
                    continue
                }
                if try await replay(through: .max) { return sink.finish() }
                let current = try await database.read { connection in try JobRepository.find(job.id, on: connection) }
                if current?.status.isFinal ?? true, !runner.isRunning(job.id) {
                    // Everything stored was sent and no end among it: the client had it already,
                    // or the output was removed. Say how the job ended, so the client stops.
                    try await sendEnd(job.id, database: database, sink: sink, cursor: cursor)
                    return sink.finish()
                }
                // Stored as running but not (yet, or no longer) in the runner: it is starting or
                // just storing its end.
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// An `end` event made from the job's row (its stored one is gone or was already sent).
    private func sendEnd(_ id: Int64, database: Database, sink: EventSink, cursor: Int64) async throws {
        let job = try await database.read { connection in try JobRepository.find(id, on: connection) }
        let end = JobEnd(status: job?.status.rawValue ?? JobStatus.interrupted.rawValue, message: job?.message)
        let data = String(decoding: try JSONBody.encode(end), as: UTF8.self)
        try await sink.write(ServerSentEvent(id: String(max(cursor, job?.lastEvent ?? 0)), event: JobEvent.Kind.end.rawValue, data: data))
    }
}
