import Synchronization
package import WharfSQLite

/// Writes the Docker endpoint's audit rows (one per call) off the request path, in batches.
///
/// A call's row is complete only when the call ends (status, bytes each way, duration), often
/// after the client has gone and its task was cancelled; a cancelled task cannot write to the
/// database (SQLite is interrupted). So calls hand their row to this queue, which never blocks
/// them, and one writer task (started with the application, drained at shutdown) appends what is
/// pending in one transaction per batch. The cost: rows of the last moments before a crash may
/// be lost; rows are never reordered or skipped while the server runs.
package final class EndpointAuditQueue: Sendable {
    private struct State {
        var pending: [AuditEntry] = []
        var enqueued = 0
        var written = 0
        var failed = 0
    }

    private let database: Database
    private let state = Mutex(State())
    private let bell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation
    private let log: @Sendable (String) -> Void
    /// The most rows appended in one transaction.
    static let batchLimit = 256
    /// How long the writer lets rows gather after the first one arrives.
    static let gatherMilliseconds: Int64 = 20

    package init(database: Database, log: @escaping @Sendable (String) -> Void) {
        self.database = database
        self.log = log
        (bell, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues `entry`; returns at once.
    package func enqueue(_ entry: AuditEntry) {
        state.withLock {
            $0.pending.append(entry)
            $0.enqueued += 1
        }
        ring.yield()
    }

    /// The writer: runs until ``close()``, then writes what is left. Not cancelled at shutdown
    /// (a cancelled task cannot write); ``close()`` ends it.
    package func run() async {
        for await _ in bell {
            // Let a burst of calls gather: one transaction for many rows, not one per call on the
            // core that serves them.
            try? await Task.sleep(for: .milliseconds(Self.gatherMilliseconds))
            await drain()
        }
        await drain()
    }

    /// Ends ``run()`` once everything queued so far is written.
    package func close() { ring.finish() }

    /// Waits until every row queued before the call is written (tests and shutdown).
    package func flush() async {
        let target = state.withLock { $0.enqueued }
        for _ in 0..<2000 {
            if state.withLock({ $0.written + $0.failed >= target }) { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state -> [AuditEntry] in
                let count = min(state.pending.count, Self.batchLimit)
                defer { state.pending.removeFirst(count) }
                return Array(state.pending.prefix(count))
            }
            if batch.isEmpty { return }
            do {
                try await database.write { connection in
                    for entry in batch { try AuditLog.append(entry, on: connection) }
                }
                state.withLock { $0.written += batch.count }
            } catch {
                state.withLock { $0.failed += batch.count }
                log("docker endpoint: \(batch.count) audit rows not written: \(error)")
            }
        }
    }
}
