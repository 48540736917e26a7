import Synchronization
import WharfHTTP
import WharfSQLite

/// A running job's output: events numbered in order as the job produces them, held in one bounded
/// in-memory tail that every watcher reads (a thousand watchers share it), and written to
/// `job_events` in batches by a flusher task every ``Limits/flushInterval``. A watcher that has
/// caught up ``watch(_:after:)``es: each new event is then sent to its ``EventSink`` as it is
/// appended, with no task per watcher.
///
/// Invariant: the tail holds every event not yet stored, so any event is either in the tail or
/// in the table, and a watcher behind the tail reads the table (``read(after:limit:)`` says
/// `.behind`). The producer waits when ``Limits/maxPendingEvents`` or ``Limits/maxPendingBytes``
/// are not yet stored, so memory stays bounded however fast a build prints: the database sets the
/// pace then. The last event (``finish(_:commit:)``) is stored in the same transaction as the
/// job's final status and audit row.
final class JobOutput: Sendable {
    struct Limits: Sendable {
        /// Stored events kept in memory for watchers that are close behind.
        var tailEvents = 2048
        var tailBytes = 512 * 1024
        /// Events not yet stored before the producer waits.
        var maxPendingEvents = 16_384
        var maxPendingBytes = 8 * 1024 * 1024
        var flushInterval: Duration = .milliseconds(50)
    }

    /// What a watcher at `cursor` (the last event id it has) finds.
    enum Read: Sendable, Equatable {
        /// The next events, in order.
        case events([JobEvent])
        /// The next events are no longer in memory: read the table through this id.
        case behind(through: Int64)
        /// Nothing new yet: ``watch(_:after:)``.
        case wait
        /// The watcher has everything, the end included.
        case ended
    }

    private struct State {
        var tail: [JobEvent] = []
        /// Index of the first live element of `tail` (older ones are dropped in bulk).
        var head = 0
        var tailBytes = 0
        var pendingBytes = 0
        var nextSeq: Int64
        var storedSeq: Int64
        var ended = false
        /// Watchers that have caught up: new events are sent to them as they come.
        var watchers: [Int: EventSink] = [:]
        var nextWatcher = 0
        var producer: CheckedContinuation<Void, Never>?
        var finalCommit: (@Sendable (SQLiteConnection) throws -> Void)?
        var finished: CheckedContinuation<Void, Never>?

        var pendingCount: Int64 { nextSeq - 1 - storedSeq }

        /// The newest event a watcher may have: the end only once it is stored with the job's
        /// final status, so a watcher that sees it and asks for the job finds it ended.
        var available: Int64 { ended && storedSeq < nextSeq - 1 ? nextSeq - 2 : nextSeq - 1 }

        /// Sends `event` to every watcher; drops those whose stream closed.
        mutating func send(_ event: JobEvent) {
            guard !watchers.isEmpty else { return }
            let frame = SinkFrame(event.serverSentEvent)
            for (id, sink) in watchers where !sink.send(frame) { watchers[id] = nil }
        }

        /// Drops stored events beyond the tail's limits.
        mutating func evict(_ limits: Limits) {
            while head < tail.count, tail.count - head > limits.tailEvents || tailBytes > limits.tailBytes, tail[head].seq <= storedSeq {
                tailBytes -= tail[head].byteCount
                head += 1
            }
            if head > 4096, head * 2 > tail.count {
                tail.removeFirst(head)
                head = 0
            }
        }
    }

    let jobID: Int64
    private let database: Database
    private let limits: Limits
    private let log: @Sendable (String) -> Void
    private let state: Mutex<State>

    /// Output of `jobID` whose next event is `nextSeq` (1 for a new job).
    init(jobID: Int64, nextSeq: Int64 = 1, database: Database, limits: Limits = Limits(), log: @escaping @Sendable (String) -> Void) {
        self.jobID = jobID
        self.database = database
        self.limits = limits
        self.log = log
        state = Mutex(State(nextSeq: nextSeq, storedSeq: nextSeq - 1))
    }

    /// The newest event's id (0 before the first).
    var lastSeq: Int64 { state.withLock { $0.nextSeq - 1 } }

    /// Adds an event; waits while too much output is not yet stored.
    func append(_ kind: JobEvent.Kind, _ data: String) async {
        let full = state.withLock { s -> Bool in
            guard !s.ended else { return false }
            let event = JobEvent(seq: s.nextSeq, kind: kind, data: data)
            s.nextSeq += 1
            s.tail.append(event)
            s.tailBytes += event.byteCount
            s.pendingBytes += event.byteCount
            // The end goes to watchers once it is stored (``runFlusher()``).
            if kind == .end { s.ended = true } else { s.send(event) }
            return s.pendingCount >= Int64(limits.maxPendingEvents) || s.pendingBytes >= limits.maxPendingBytes
        }
        if full { await waitUntilStored() }
    }

    /// Appends the `end` event and waits until it is stored, with `commit` (the job's status and
    /// audit row) in the same transaction.
    func finish(_ end: JobEnd, commit: @escaping @Sendable (SQLiteConnection) throws -> Void) async {
        let data = (try? JSONBody.encode(end)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        await append(.end, data)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state.withLock { s in
                s.finalCommit = commit
                s.finished = continuation
            }
        }
    }

    /// What a watcher that has every event through `cursor` reads next (at most `limit` events).
    func read(after cursor: Int64, limit: Int) -> Read {
        state.withLock { s in
            let last = s.nextSeq - 1
            guard s.head < s.tail.count else {
                if cursor < s.storedSeq { return .behind(through: s.storedSeq) }
                return s.ended && cursor >= last ? .ended : .wait
            }
            let first = s.tail[s.head].seq
            if cursor + 1 < first { return .behind(through: first - 1) }
            guard cursor < last else { return s.ended ? .ended : .wait }
            let start = s.head + Int(cursor + 1 - first)
            var end = min(s.tail.count, start + limit)
            // The end is handed out once it is stored with the job's final status, so a watcher
            // that sees it and asks for the job finds it ended.
            if end == s.tail.count, s.tail[end - 1].kind == .end, s.tail[end - 1].seq > s.storedSeq { end -= 1 }
            return end > start ? .events(Array(s.tail[start..<end])) : .wait
        }
    }

    /// Makes `sink` a watcher if it has every event through `cursor` and that is all there is:
    /// from now on each new event is sent to it as it is appended, and the end once stored (then
    /// the sink is finished). Returns its id for ``unwatch(_:)``, or nil when there is more to
    /// read first (the caller reads on, then asks again).
    func watch(_ sink: EventSink, after cursor: Int64) -> Int? {
        state.withLock { s in
            guard s.available == cursor, !(s.ended && s.storedSeq >= s.nextSeq - 1) else { return nil }
            s.nextWatcher += 1
            s.watchers[s.nextWatcher] = sink
            return s.nextWatcher
        }
    }

    /// Removes a watcher (its client left).
    func unwatch(_ id: Int) {
        _ = state.withLock { $0.watchers.removeValue(forKey: id) }
    }

    /// Whether the end was appended (the job is finishing or finished).
    var isEnded: Bool { state.withLock { $0.ended } }

    /// Events held in memory (the tail, which includes those not yet stored) and their bytes.
    var memory: (events: Int, bytes: Int) { state.withLock { ($0.tail.count - $0.head, $0.tailBytes) } }

    /// How many watchers follow live (for tests and metrics).
    var watching: Int { state.withLock { $0.watchers.count } }

    private func waitUntilStored() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.pendingCount < Int64(limits.maxPendingEvents) && s.pendingBytes < limits.maxPendingBytes || Task.isCancelled {
                        return true
                    }
                    s.producer = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { s in
                defer { s.producer = nil }
                return s.producer
            }?.resume()
        }
    }

    /// Stores new events every ``Limits/flushInterval`` until the end is stored. Runs in its own
    /// task, which nobody cancels: the job's cancellation must not lose its output.
    func runFlusher() async {
        var failures = 0
        while true {
            let finishing = state.withLock { $0.finalCommit != nil }
            if !finishing { try? await Task.sleep(for: limits.flushInterval) }
            let (batch, commit) = state.withLock { s -> ([JobEvent], (@Sendable (SQLiteConnection) throws -> Void)?) in
                let firstPending = s.tail.count - Int(s.pendingCount)
                return (Array(s.tail[max(s.head, firstPending)...]), s.ended ? s.finalCommit : nil)
            }
            if batch.isEmpty && commit == nil { continue }
            let jobID = self.jobID
            do {
                try await database.write { connection in
                    try JobRepository.append(batch, to: jobID, on: connection)
                    try commit?(connection)
                }
                failures = 0
            } catch {
                failures += 1
                log("job \(jobID): output not stored (attempt \(failures)): \(error)")
                // A database that keeps refusing the final write (closed, disk full) must not
                // hold the job forever: after a few seconds the job is left as stored so far, and
                // the next start-up marks it interrupted. Before the end, keep trying (the
                // producer waits meanwhile, so memory stays bounded).
                if commit != nil, failures >= 40 {
                    let (finished, watchers) = state.withLock { s in
                        defer {
                            s.finished = nil
                            s.watchers.removeAll()
                        }
                        return (s.finished, Array(s.watchers.values))
                    }
                    finished?.resume()
                    // Their browsers reconnect and read how the job ended from its row.
                    for watcher in watchers { watcher.finish() }
                    return
                }
                try? await Task.sleep(for: .milliseconds(min(1000, 50 * failures)))
                continue
            }
            let (producer, finished, watchers) = state.withLock {
                s -> (CheckedContinuation<Void, Never>?, CheckedContinuation<Void, Never>?, [EventSink]) in
                if let last = batch.last, last.seq > s.storedSeq {
                    s.pendingBytes -= batch.reduce(0) { $0 + $1.byteCount }
                    s.storedSeq = last.seq
                }
                s.evict(limits)
                var producer: CheckedContinuation<Void, Never>?
                if s.pendingCount < Int64(limits.maxPendingEvents) && s.pendingBytes < limits.maxPendingBytes {
                    producer = s.producer
                    s.producer = nil
                }
                let finished = commit != nil ? s.finished : nil
                var watchers: [EventSink] = []
                if commit != nil {
                    s.finished = nil
                    // The end is stored with the job's status: now it goes to the watchers.
                    if let end = s.tail.last, end.kind == .end { s.send(end) }
                    watchers = Array(s.watchers.values)
                    s.watchers.removeAll()
                }
                return (producer, finished, watchers)
            }
            producer?.resume()
            for watcher in watchers { watcher.finish() }
            if let finished {
                finished.resume()
                return
            }
        }
    }
}
