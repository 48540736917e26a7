import WharfSQLite

/// What the server does on a timer besides checking hosts, each in its own task from
/// ``WharfApplication/start()`` until shutdown cancels it:
///
/// - every minute: write the counts of repeated denials (``DenialAudit``);
/// - every ``WharfConfiguration/upkeepInterval`` (an hour): delete expired sessions, refresh the
///   audit planner statistics when the history has grown or shrunk enough, and delete job output
///   beyond the retention settings (``JobRetention``);
/// - at start and every ``WharfConfiguration/auditHeadInterval`` (10 minutes): write the audit
///   head to the log (`audit head SEQ HASH`), so an operator who keeps the log elsewhere can check
///   the history with `wharf audit verify --expect-head` (see ``AuditHead``).
///
/// Shutdown writes the pending denial counts, then the final head (``finish()``).
struct Upkeep: Sendable {
    let database: Database
    let accounts: AccountServices
    let jobRetention: JobRetention
    let configuration: WharfConfiguration
    let log: @Sendable (String) -> Void

    func tasks() -> [Task<Void, Never>] {
        [
            repeating(every: Double(DenialAudit.windowMilliseconds) / 1000, startAtOnce: false) { try await flushDenials() },
            repeating(every: configuration.upkeepInterval, startAtOnce: true) { try await hourly() },
            repeating(every: configuration.upkeepInterval, startAtOnce: true) { try await pruneJobOutput() },
            repeating(every: configuration.auditHeadInterval, startAtOnce: true) { try await logHead() },
        ]
    }

    /// The last things before the database closes: pending denial counts, then the head.
    func finish() async {
        do {
            try await accounts.denials.flush(all: true)
            try await logHead()
        } catch {
            log("audit: the final head was not written: \(error)")
        }
    }

    private func flushDenials() async throws {
        try await accounts.denials.flush()
    }

    private func hourly() async throws {
        try await accounts.sessions.purgeExpired()
        if try await database.write({ connection in try AuditStatistics.refresh(on: connection) }) {
            log("audit: planner statistics refreshed")
        }
    }

    private func pruneJobOutput() async throws {
        let removed = try await jobRetention.pruneIfNeeded()
        if removed.jobs > 0 {
            log("jobs: output of \(removed.jobs) job(s) removed (\(removed.bytes) bytes), as the retention settings say")
        }
    }

    private func logHead() async throws {
        let head = try await database.read { connection in try AuditHead.current(on: connection) }
        log("audit head \(head)")
    }

    /// A task running `work` every `seconds` until cancelled; a failure is logged and the next
    /// round comes anyway.
    private func repeating(
        every seconds: Double, startAtOnce: Bool, _ work: @escaping @Sendable () async throws -> Void
    ) -> Task<Void, Never> {
        let log = self.log
        return Task {
            var first = startAtOnce
            while !Task.isCancelled {
                if !first { try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000))) }
                first = false
                guard !Task.isCancelled else { return }
                do { try await work() } catch { log("upkeep: \(error)") }
            }
        }
    }
}
