import WharfHTTP
import WharfSQLite
import WharfWire

/// How long job output is kept, and how much of it in all: the settings `jobs_retention_days`
/// (default 30) and `jobs_retention_mb` (default 1024). Output of finished jobs older than the
/// first, or beyond the second (oldest first), is removed; the job rows stay (their page says the
/// output was removed) and audit rows are never touched. Checked when a job ends, at start-up and
/// hourly.
struct JobRetention: Sendable {
    struct Settings: Codable, Sendable, Equatable {
        var days: Int
        var megabytes: Int

        static let schema = JSONSchema.named("JobRetention", .object([
            "days": .integer(description: "Output of jobs that ended longer ago is removed (1–3650).", minimum: 1),
            "megabytes": .integer(description: "Output beyond this many MiB in all is removed, oldest first (1–1000000).", minimum: 1),
        ], required: ["days", "megabytes"]))

        /// - Throws: 422 naming the field out of range.
        func checked() throws -> Settings {
            var problems: [String: String] = [:]
            if !(1...3650).contains(days) { problems["days"] = "Keep output between 1 and 3650 days." }
            if !(1...1_000_000).contains(megabytes) { problems["megabytes"] = "Keep between 1 and 1000000 MiB of output." }
            if !problems.isEmpty { throw FieldErrors(problems) }
            return self
        }
    }

    static let defaults = Settings(days: 30, megabytes: 1024)
    static let daysKey = "jobs_retention_days"
    static let megabytesKey = "jobs_retention_mb"

    let database: Database

    func settings() async throws -> Settings {
        try await database.read { connection in try Self.settings(on: connection) }
    }

    static func settings(on connection: SQLiteConnection) throws -> Settings {
        func value(_ key: String) throws -> Int? {
            try connection.queryValue("SELECT value FROM settings WHERE key = ?", [.text(key)], as: String.self).flatMap { Int($0) }
        }
        return Settings(days: try value(daysKey) ?? defaults.days, megabytes: try value(megabytesKey) ?? defaults.megabytes)
    }

    /// Saves checked settings, audited as `settings.change`, then prunes with them.
    func save(_ settings: Settings, context: RequestContext) async throws {
        let checked = try settings.checked()
        let now = AuditEntry.now()
        let entry = context.auditEntry(
            "settings.change", target: "job retention",
            parameters: [Self.daysKey: String(checked.days), Self.megabytesKey: String(checked.megabytes)], httpStatus: .ok)
        try await database.write { connection in
            for (key, value) in [(Self.daysKey, checked.days), (Self.megabytesKey, checked.megabytes)] {
                try connection.execute(
                    """
                    INSERT INTO settings (key, value, updated_ms) VALUES (?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms
                    """, [.text(key), .text(String(value)), .integer(now)])
            }
            try AuditLog.append(entry, on: connection)
        }
        try await pruneIfNeeded()
    }

    /// Removes what the settings no longer keep. - Returns: jobs whose output went, and its bytes.
    @discardableResult
    func pruneIfNeeded(now: Int64 = AuditEntry.now()) async throws -> (jobs: Int, bytes: Int64) {
        try await database.write { connection in try Self.prune(now: now, on: connection) }
    }

    static func prune(now: Int64, on connection: SQLiteConnection) throws -> (jobs: Int, bytes: Int64) {
        let settings = try settings(on: connection)
        var removed: (jobs: Int, bytes: Int64) = (0, 0)
        func remove(_ id: Int64, _ bytes: Int64) throws {
            try connection.execute("DELETE FROM job_events WHERE job_id = ?", [.integer(id)])
            try connection.execute("UPDATE jobs SET pruned_ms = ?, output_bytes = 0 WHERE id = ?", [.integer(now), .integer(id)])
            removed.jobs += 1
            removed.bytes += bytes
        }
        let cutoff = now - Int64(settings.days) * 86_400_000
        for row in try connection.query(
            "SELECT id, output_bytes FROM jobs WHERE pruned_ms IS NULL AND finished_ms < ? ORDER BY finished_ms", [.integer(cutoff)]) {
            try remove(try row.get("id"), try row.get("output_bytes"))
        }
        let limit = Int64(settings.megabytes) * 1024 * 1024
        var total: Int64 = try connection.queryValue("SELECT COALESCE(SUM(output_bytes), 0) FROM jobs WHERE pruned_ms IS NULL") ?? 0
        guard total > limit else { return removed }
        for row in try connection.query(
            "SELECT id, output_bytes FROM jobs WHERE pruned_ms IS NULL AND finished_ms IS NOT NULL ORDER BY finished_ms, id") {
            guard total > limit else { break }
            let bytes: Int64 = try row.get("output_bytes")
            try remove(try row.get("id"), bytes)
            total -= bytes
        }
        return removed
    }
}
