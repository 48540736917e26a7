import Synchronization
import WharfHTTP
import WharfSQLite

/// A running job's output: events numbered in order as the job produces them, held in one bounded
/// in-memory tail that every watcher reads (a thousand watchers share it), and written to
/// `job_events` in batches by a flusher task every ``Limits/flushInterval``. A watcher that has
/// caught up ``watch(_:after:)``es: from then on a fan-out pass, off the producer's path, sends
/// it what came since its last pass (a loud build's lines in a few writes, not one write each),
/// with no task per watcher.
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
        /// Watchers that have caught up, each with the last event it was sent.
        var watchers: [Int: (sink: EventSink, cursor: Int64)] = [:]
        var nextWatcher = 0
        /// A fan-out pass is scheduled or running (``fanOut()``).
        var fanning = false
        var producer: CheckedContinuation<Void, Never>?
        var finalCommit: (@Sendable (SQLiteConnection) throws -> Void)?
        var finished: CheckedContinuation<Void, Never>?

        var pendingCount: Int64 { nextSeq - 1 - storedSeq }

        /// The newest event a watcher may have: the end only once it is stored with the job's
        /// final status, so a watcher that sees it and asks for the job finds it ended.
        var available: Int64 { ended && storedSeq < nextSeq - 1 ? nextSeq - 2 : nextSeq - 1 }

        /// Whether a fan-out pass must be started now (one is not already on its way).
        mutating func needsPass() -> Bool {
            guard !fanning, watchers.values.contains(where: { $0.cursor < available }) else { return false }
            fanning = true
            return true
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
        let (pass, full) = state.withLock { s -> (Bool, Bool) in
            guard !s.ended else { return (false, false) }
            let event = JobEvent(seq: s.nextSeq, kind: kind, data: data)
            s.nextSeq += 1
            s.tail.append(event)
            s.tailBytes += event.byteCount
            s.pendingBytes += event.byteCount
            if kind == .end { s.ended = true }  // watchers get it once it is stored
            return (s.needsPass(), s.pendingCount >= Int64(limits.maxPendingEvents) || s.pendingBytes >= limits.maxPendingBytes)
        }
        if pass { startFanOut() }
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
    /// from now on the fan-out sends it what comes, and the end once stored (then the sink is
    /// finished). Returns its id for ``unwatch(_:)``, or nil when there is more to read first (the
    /// caller reads on, then asks again).
    func watch(_ sink: EventSink, after cursor: Int64) -> Int? {
        state.withLock { s in
            guard s.available == cursor, !(s.ended && s.storedSeq >= s.nextSeq - 1) else { return nil }
            s.nextWatcher += 1
            s.watchers[s.nextWatcher] = (sink, cursor)
            return s.nextWatcher
        }
    }

    /// Removes a watcher (its client left).
    func unwatch(_ id: Int) {
        _ = state.withLock { $0.watchers.removeValue(forKey: id) }
    }

    private func startFanOut() {
        Task { self.fanOut() }
    }

    /// One fan-out pass, repeated while there is more: every watcher gets the events after its
    /// cursor in one write, each event encoded once for all (watchers at the same cursor share
    /// the bytes). Watchers whose stream closed are dropped, and so is one whose next event left
    /// memory (its browser resumes from the table with `Last-Event-ID`). Once the stored end is
    /// out, every watcher is finished. Sends happen outside the lock: the producer never waits
    /// for them.
    func fanOut() {
        while true {
            let work = state.withLock { s -> (events: [JobEvent], targets: [(id: Int, sink: EventSink, cursor: Int64)], behind: [EventSink])? in
                let upTo = s.available
                var targets: [(id: Int, sink: EventSink, cursor: Int64)] = []
                var behind: [EventSink] = []
                let first = s.head < s.tail.count ? s.tail[s.head].seq : s.nextSeq
                for (id, watcher) in s.watchers where watcher.cursor < upTo {
                    if watcher.cursor + 1 < first {
                        behind.append(watcher.sink)
                        s.watchers[id] = nil
                    } else {
                        targets.append((id, watcher.sink, watcher.cursor))
                    }
                }
                guard !targets.isEmpty || !behind.isEmpty else {
                    s.fanning = false
                    return nil
                }
                let from = targets.map(\.cursor).min() ?? upTo
                let start = s.head + Int(from + 1 - first)
                let end = s.head + Int(upTo + 1 - first)
                return (start < end ? Array(s.tail[start..<end]) : [], targets, behind)
            }
            guard let work else { return }
            for sink in work.behind { sink.close() }
            guard let last = work.events.last else { continue }
            // Each event encoded once; a watcher gets the suffix after its cursor.
            var bytes: [UInt8] = []
            var offsets: [Int64: Int] = [:]
            for event in work.events {
                offsets[event.seq - 1] = bytes.count
                bytes += event.serverSentEvent.encoded
            }
            var frames: [Int64: SinkFrame] = [:]
            var failed: [Int] = []
            for target in work.targets {
                let frame = frames[target.cursor] ?? SinkFrame(Array(bytes[(offsets[target.cursor] ?? 0)...]))
                frames[target.cursor] = frame
                if !target.sink.send(frame) { failed.append(target.id) }
            }
            let ended = last.kind == .end
            let finished = state.withLock { s -> [EventSink] in
                for id in failed { s.watchers[id] = nil }
                for target in work.targets where !failed.contains(target.id) {
                    if let watcher = s.watchers[target.id], watcher.cursor < last.seq { s.watchers[target.id]?.cursor = last.seq }
                }
                guard ended else { return [] }
                defer { s.watchers.removeAll() }
                return s.watchers.values.map(\.sink)
            }
            for sink in finished { sink.finish() }
        }
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
                        return (s.finished, s.watchers.values.map(\.sink))
                    }
                    finished?.resume()
                    // Their browsers reconnect and read how the job ended from its row.
                    for watcher in watchers { watcher.finish() }
                    return
                }
                try? await Task.sleep(for: .milliseconds(min(1000, 50 * failures)))
                continue
            }
            let (producer, finished, pass) = state.withLock {
                s -> (CheckedContinuation<Void, Never>?, CheckedContinuation<Void, Never>?, Bool) in
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
                // Stored now: the end (with the job's status) is available to the watchers.
                if commit != nil { s.finished = nil }
                return (producer, finished, s.needsPass())
            }
            producer?.resume()
            if pass { startFanOut() }
            if let finished {
                finished.resume()
                return
            }
        }
    }
}
