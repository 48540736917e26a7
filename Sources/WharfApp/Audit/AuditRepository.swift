package import WharfSQLite

/// Reading the audit history: pages by keyset, single rows, and batches for exports.
///
/// A page is the newest rows matching the filter below a cursor id, and costs about one page of
/// index entries whatever its depth:
/// - a time range becomes id ranges: times ascend with the id except where the clock stepped
///   back (`audit_clock_steps`), so each stretch between steps is binary-searched by id;
/// - equality filters walk their `(column, outcome, id)` index: with an outcome, one walk; without
///   one, a walk per outcome, merged. An action prefix is expanded into its distinct actions (one
///   index seek each), each walked the same way;
/// - a target text (three characters or more) is looked up in the trigram index, which proposes
///   candidates newest first; each is checked against the whole filter until the page is full.
///   The newest rows, not yet indexed (``AuditLog/searchBatch``), are scanned.
package enum AuditRepository {
    /// Beyond this many actions under a prefix, one range condition is used instead.
    package static let maximumActions = 32
    /// Beyond this many clock steps in the searched ids, time bounds are plain conditions.
    static let maximumClockSteps = 64

    /// Ids `lower ..< upper`.
    struct IDRange {
        var lower: Int64
        var upper: Int64
        var isEmpty: Bool { lower >= upper }
    }

    /// Up to `limit` rows matching `filter`, newest first, older than `before` when given.
    package static func page(_ filter: AuditFilter, before: Int64?, limit: Int, on connection: SQLiteConnection) throws -> [AuditRecord] {
        var filter = filter
        var ranges = [IDRange(lower: 0, upper: try before ?? (lastID(on: connection) + 1))]
        if filter.since != nil || filter.until != nil,
           let timed = try timeRanges(since: filter.since, until: filter.until, within: ranges[0], on: connection) {
            ranges = timed
            filter.since = nil
            filter.until = nil
        }
        var actions: [String?] = [nil]
        if filter.target == nil, let prefix = filter.actionPrefix {
            let expanded = try self.actions(under: prefix, on: connection)
            if expanded.count <= maximumActions { actions = expanded }
        }
        var rows: [AuditRecord] = []
        for range in ranges where !range.isEmpty && rows.count < limit {
            rows += try filter.target == nil
                ? walk(filter, actions: actions, in: range, limit: limit - rows.count, on: connection)
                : search(filter, in: range, limit: limit - rows.count, on: connection)
        }
        return rows
    }

    /// The newest rows in `range` matching `filter`, through the equality indexes.
    private static func walk(
        _ filter: AuditFilter, actions: [String?], in range: IDRange, limit: Int, on connection: SQLiteConnection
    ) throws -> [AuditRecord] {
        // Without an outcome, the (column, outcome, id) indexes give id order per outcome only.
        let split = filter.outcome == nil && (filter.actor != nil || filter.hostID != nil || actions != [nil])
        let outcomes: [AuditOutcome?] = split ? AuditOutcome.allCases : [nil]
        var rows: [AuditRecord] = []
        for action in actions {
            for outcome in outcomes {
                rows += try select(filter.conditions(exactAction: action, exactOutcome: outcome), in: range, limit: limit, on: connection)
            }
        }
        if actions.count * outcomes.count == 1 { return rows }
        return Array(rows.sorted { $0.id > $1.id }.prefix(limit))
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

    /// The id ranges in `range`, newest first, that hold exactly the rows with `since <= time <
    /// until`; nil when the clock stepped back too often there. Between two steps times ascend
    /// with the id, so each bound is a binary search over that stretch.
    static func timeRanges(since: Int64?, until: Int64?, within range: IDRange, on connection: SQLiteConnection) throws -> [IDRange]? {
        let steps: [Int64] = try connection.query(
            "SELECT id FROM audit_clock_steps WHERE id > ? AND id < ? ORDER BY id LIMIT ?",
            [.integer(range.lower), .integer(range.upper), .integer(Int64(maximumClockSteps + 1))]).map { try $0.get(0) }
        guard steps.count <= maximumClockSteps else { return nil }
        let bounds = [range.lower] + steps + [range.upper]
        var ranges: [IDRange] = []
        for (lower, upper) in zip(bounds, bounds.dropFirst()).reversed() {
            let stretch = IDRange(lower: lower, upper: upper)
            let from = try since.map { try firstID(at: $0, in: stretch, on: connection) } ?? lower
            let to = try until.map { try firstID(at: $0, in: stretch, on: connection) } ?? upper
            if from < to { ranges.append(IDRange(lower: from, upper: to)) }
        }
        return ranges
    }

    /// The first id in `range` whose row's time is `time` or later (`range.upper` when none),
    /// where times ascend with the id. Ids may have gaps.
    private static func firstID(at time: Int64, in range: IDRange, on connection: SQLiteConnection) throws -> Int64 {
        var low = range.lower
        var high = range.upper
        while low < high {
            let middle = low + (high - low) / 2
            guard let row = try connection.querySingle(
                "SELECT id, time_ms FROM audit_log WHERE id >= ? AND id < ? ORDER BY id LIMIT 1", [.integer(middle), .integer(high)])
            else {
                high = middle
                continue
            }
            let id: Int64 = try row.get(0)
            if try row.get(1, as: Int64.self) >= time { high = id } else { low = id + 1 }
        }
        return low
    }

    /// The newest rows in `range` whose target contains the filter's text and that match the rest
    /// of the filter. The trigram LIKE proposes candidates (its case folding is at least as broad
    /// as lower()), the filter's instr decides; CROSS JOIN keeps the index as the outer loop, so
    /// the walk stops as soon as the page is full.
    private static func search(_ filter: AuditFilter, in range: IDRange, limit: Int, on connection: SQLiteConnection) throws -> [AuditRecord] {
        let (sql, arguments) = filter.conditions()
        guard filter.canUseTargetIndex, let target = filter.target else {
            return try select((sql, arguments), in: range, limit: limit, on: connection)
        }
        // The newest rows are not in the index yet (at most a batch of them): scanned.
        let indexed = try AuditLog.searchIndexedThrough(on: connection)
        var range = range
        var rows: [AuditRecord] = []
        if range.upper > indexed + 1 {
            rows = try select((sql, arguments), in: IDRange(lower: max(range.lower, indexed + 1), upper: range.upper), limit: limit, on: connection)
            range.upper = indexed + 1
            if rows.count >= limit || range.isEmpty { return rows }
        }
        return rows + (try connection.query("""
            SELECT \(AuditRecord.columns) FROM (
                SELECT rowid AS hit FROM audit_target_search WHERE target LIKE ? AND rowid >= ? AND rowid < ? ORDER BY rowid DESC
            ) AS hits CROSS JOIN audit_log ON audit_log.id = hits.hit
            WHERE \(sql.joined(separator: " AND "))
            ORDER BY hits.hit DESC LIMIT ?
            """,
            [.text("%" + target + "%"), .integer(range.lower), .integer(range.upper)] + arguments + [.integer(Int64(limit - rows.count))]
        ).map(AuditRecord.init(row:)))
    }

    private static func select(
        _ conditions: (sql: [String], arguments: [SQLiteValue]), in range: IDRange, limit: Int, on connection: SQLiteConnection
    ) throws -> [AuditRecord] {
        var (sql, arguments) = conditions
        sql.append("id >= ? AND id < ?")
        arguments += [.integer(range.lower), .integer(range.upper), .integer(Int64(limit))]
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
