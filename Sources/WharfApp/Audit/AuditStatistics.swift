package import WharfSQLite

/// Keeps SQLite's planner statistics for `audit_log` (`sqlite_stat1`) in step with its size.
///
/// A page filtered on two equality columns (an actor and a host, say) walks one of their indexes
/// and checks the other column in it; with statistics the planner walks the one with fewer rows
/// per value (at 1,000,000 rows an actor's 50,000 rather than a host's 170,000). `ANALYZE` reads
/// every index, about half a second at that size, so it runs only when the history has doubled or
/// halved since the last one. The server calls ``refresh(on:)`` at start-up and hourly.
package enum AuditStatistics {
    /// Below this many rows every plan is fast, and statistics of a small table mislead later.
    package static let minimumRows: Int64 = 10_000

    /// Analyses `audit_log` when its statistics are missing or stale; inside a write transaction.
    /// Returns whether it did.
    @discardableResult
    package static func refresh(on connection: SQLiteConnection, minimumRows: Int64 = minimumRows) throws -> Bool {
        // Ids are dense (purges remove a prefix), so the span is the row count.
        let rows: Int64 = try connection.queryValue("SELECT COALESCE(max(id) - min(id) + 1, 0) FROM audit_log") ?? 0
        guard rows >= minimumRows else { return false }
        if let analysed = try analysedRows(on: connection), rows < 2 * analysed, 2 * rows > analysed { return false }
        try connection.execute("ANALYZE audit_log")
        return true
    }

    /// The row count the last `ANALYZE` saw, nil when there was none.
    package static func analysedRows(on connection: SQLiteConnection) throws -> Int64? {
        let exists: Bool = try connection.queryValue("SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1')") ?? false
        guard exists else { return nil }
        let stat: String? = try connection.queryValue(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'audit_log' AND idx = 'audit_log_time'")
        return stat.flatMap { Int64($0.prefix { $0 != " " }) }
    }
}
