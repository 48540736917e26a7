package import WharfSQLite

/// Removing old audit history, the only way rows leave `audit_log`.
///
/// The cut removes a prefix of the chain: every row older than the first row at or after the
/// cut time (so a clock that stepped back never removes a newer row). In one write transaction the
/// purge checks the rows it will remove still verify, opens the trigger guard, deletes them,
/// records a checkpoint (the last removed row's id and hash, which the first kept row's
/// prev_hash names), closes the guard and appends `audit.purge`: the first row after the cut.
package enum AuditPurge {
    /// What a purge would remove, or removed.
    package struct Plan: Sendable, Equatable {
        /// Rows removed (or to remove).
        package var count: Int64
        /// The ids removed: `firstID...lastID`; nil when nothing is older than the cut.
        package var firstID: Int64?
        package var lastID: Int64?
    }

    /// The rows older than `before` (ms since the epoch, UTC) that a purge would remove.
    package static func plan(before: Int64, on connection: SQLiteConnection) throws -> Plan {
        let cutID = try connection.queryValue("SELECT min(id) FROM audit_log WHERE time_ms >= ?", [.integer(before)], as: Int64?.self) ?? nil
        let row = try connection.querySingle(
            "SELECT count(*), min(id), max(id) FROM audit_log WHERE id < ?", [.integer(cutID ?? Int64.max)])
        return Plan(count: try row?.get(0) ?? 0, firstID: try row?.get(1, as: Int64?.self), lastID: try row?.get(2, as: Int64?.self))
    }

    /// Purges rows older than `before` on `connection`, inside the caller's write transaction,
    /// and appends the `audit.purge` row by `actor`. Returns what was removed.
    /// - Throws: ``AuditVerifier/Break`` when the rows to remove do not verify (nothing is
    ///   removed: the evidence is kept), `SQLiteError` otherwise.
    package static func purge(before: Int64, by actor: AuditActor, now: Int64, on connection: SQLiteConnection) throws -> Plan {
        let plan = try plan(before: before, on: connection)
        var parameters = ["before": AuditTime.iso(before), "removed": String(plan.count)]
        if let lastID = plan.lastID, let firstID = plan.firstID {
            _ = try AuditVerifier.verify(on: connection, through: lastID)
            let lastHash: String = try connection.queryValue("SELECT hash FROM audit_log WHERE id = ?", [.integer(lastID)]) ?? ""
            try connection.execute("INSERT INTO audit_purge_guard (open) VALUES (1)")
            try connection.execute("DELETE FROM audit_log WHERE id <= ?", [.integer(lastID)])
            try connection.execute(
                "INSERT INTO audit_checkpoints (time_ms, before_ms, last_id, last_hash, removed) VALUES (?, ?, ?, ?, ?)",
                [.integer(now), .integer(before), .integer(lastID), .text(lastHash), .integer(plan.count)])
            try connection.execute("DELETE FROM audit_purge_guard")
            parameters["first_id"] = String(firstID)
            parameters["last_id"] = String(lastID)
            parameters["last_hash"] = lastHash
        }
        try AuditLog.append(actor.entry("audit.purge", target: "audit_log", parameters: parameters), on: connection)
        return plan
    }
}
