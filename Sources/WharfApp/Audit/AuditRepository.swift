package import WharfSQLite

/// Reading the audit history: pages by keyset, single rows, and batches for exports.
///
/// A page is the newest rows matching the filter below a cursor id, and costs about one page of
/// index entries whatever its depth: equality filters (actor, host, outcome) walk their
/// `(column, id)` index; an action prefix is expanded into its distinct actions (one index seek
/// each) and each action's `(action, id)` walk is merged; a target text is first looked for in
/// the newest ids below the cursor (``scanWindows``), then through the trigram index.
package enum AuditRepository {
    /// Id windows scanned newest first before a target search turns to the trigram index: a text
    /// in more than about 0.25% of rows fills a page from them (about 6 ms for 20,480 rows); the
    /// index costs the sum of its trigrams' posting lists, which is less only for rare trigrams.
    package static let scanWindows: [Int64] = [4096, 16_384]
    /// Beyond this many actions under a prefix, one range condition is used instead.
    package static let maximumActions = 32

    /// Up to `limit` rows matching `filter`, newest first, older than `before` when given.
    /// - Parameter windows: the target search's scan windows (tests make them small).
    package static func page(
        _ filter: AuditFilter, before: Int64?, limit: Int, windows: [Int64] = scanWindows, on connection: SQLiteConnection
    ) throws -> [AuditRecord] {
        let top = try before ?? (lastID(on: connection) + 1)
        if let prefix = filter.actionPrefix {
            let actions = try self.actions(under: prefix, on: connection)
            if actions.count <= maximumActions {
                var rows: [AuditRecord] = []
                for action in actions { rows += try walk(filter, exactAction: action, below: top, limit: limit, windows: windows, on: connection) }
                return Array(rows.sorted { $0.id > $1.id }.prefix(limit))
            }
        }
        return try walk(filter, exactAction: nil, below: top, limit: limit, windows: windows, on: connection)
    }

    /// The distinct actions starting with `prefix`, found by a loose index scan (each step one
    /// seek on the action index), at most ``maximumActions`` + 1.
    static func actions(under prefix: String, on connection: SQLiteConnection) throws -> [String] {
        try connection.query("""
            WITH RECURSIVE next(action) AS (
                SELECT (SELECT min(action) FROM audit_log WHERE action >= ?1 AND action < ?2)
                UNION ALL
                SELECT (SELECT min(action) FROM audit_log WHERE action > next.action AND action < ?2)
                FROM next WHERE next.action IS NOT NULL
            )
            SELECT action FROM next WHERE action IS NOT NULL LIMIT ?3
            """, [.text(prefix), .text(prefix + "\u{10FFFF}"), .integer(Int64(maximumActions + 1))]).map { try $0.get(0) }
    }

    private static func walk(
        _ filter: AuditFilter, exactAction: String?, below top: Int64, limit: Int, windows: [Int64], on connection: SQLiteConnection
    ) throws -> [AuditRecord] {
        guard filter.target != nil else {
            return try select(filter.conditions(exactAction: exactAction), below: top, from: nil, limit: limit, on: connection)
        }
        var rows: [AuditRecord] = []
        var upper = top
        for window in windows {
            let floor = max(0, upper - window)
            rows += try select(filter.conditions(exactAction: exactAction), below: upper, from: floor, limit: limit - rows.count, on: connection)
            upper = floor
            if rows.count >= limit || upper == 0 { return rows }
        }
        return rows + (try select(
            filter.conditions(exactAction: exactAction, targetIndex: true), below: upper, from: nil,
            limit: limit - rows.count, on: connection))
    }

    private static func select(
        _ conditions: (sql: [String], arguments: [SQLiteValue]), below top: Int64, from floor: Int64?, limit: Int,
        on connection: SQLiteConnection
    ) throws -> [AuditRecord] {
        var (sql, arguments) = conditions
        sql.append("id < ?")
        arguments.append(.integer(top))
        if let floor {
            sql.append("id >= ?")
            arguments.append(.integer(floor))
        }
        arguments.append(.integer(Int64(limit)))
        return try connection.query(
            "SELECT \(AuditRecord.columns) FROM audit_log WHERE " + sql.joined(separator: " AND ") + " ORDER BY id DESC LIMIT ?",
            arguments).map(AuditRecord.init(row:))
    }

    /// Up to `limit` rows matching `filter` with `after < id <= through`, oldest first: one batch of an export.
    package static func batch(
        _ filter: AuditFilter, after: Int64, through: Int64, limit: Int, on connection: SQLiteConnection
    ) throws -> [AuditRecord] {
        var (conditions, arguments) = filter.conditions(walk: .export)
        conditions.append("id > ? AND id <= ?")
        arguments += [.integer(after), .integer(through)]
        let sql = "SELECT \(AuditRecord.columns) FROM audit_log WHERE " + conditions.joined(separator: " AND ")
            + " ORDER BY id LIMIT ?"
        arguments.append(.integer(Int64(limit)))
        return try connection.query(sql, arguments).map(AuditRecord.init(row:))
    }

    package static func record(id: Int64, on connection: SQLiteConnection) throws -> AuditRecord? {
        try connection.querySingle("SELECT \(AuditRecord.columns) FROM audit_log WHERE id = ?", [.integer(id)])
            .map(AuditRecord.init(row:))
    }

    /// The newest row's id, 0 when there is none.
    package static func lastID(on connection: SQLiteConnection) throws -> Int64 {
        try connection.queryValue("SELECT COALESCE(max(id), 0) FROM audit_log") ?? 0
    }
}
