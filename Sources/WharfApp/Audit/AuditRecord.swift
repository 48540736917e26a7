import FoundationEssentials
package import WharfSQLite

/// One stored audit row, as the page, the exports and the verifier read it.
package struct AuditRecord: Sendable, Equatable {
    package var id: Int64
    package var timeMilliseconds: Int64
    package var actorID: Int64?
    package var actorName: String?
    package var source: String
    package var clientAddress: String?
    package var userAgent: String?
    package var action: String
    package var hostID: Int64?
    package var target: String?
    /// The canonical JSON object as stored, or nil.
    package var parameters: String?
    package var outcome: String
    package var httpStatus: Int64?
    package var error: String?
    package var durationMilliseconds: Int64?
    package var prevHash: String
    package var hash: String

    /// The columns in table order, for `SELECT \(AuditRecord.columns) FROM audit_log`.
    package static let columns = """
        id, time_ms, actor_id, actor_name, source, client_address, user_agent, action, host_id, target, \
        parameters, outcome, http_status, error, duration_ms, prev_hash, hash
        """

    /// Reads a row selected with ``columns``. Values of an unexpected type (a row edited behind
    /// Wharf's back) read as nil or their text, never as an error: the verifier reports them.
    package init(row: Row) {
        func integer(_ index: Int) -> Int64? { if case .integer(let value) = row[index] { value } else { nil } }
        func text(_ index: Int) -> String? {
            switch row[index] {
            case .text(let value): value
            case .integer(let value): String(value)
            case .real(let value): String(value)
            case .blob(let bytes): String(decoding: bytes, as: UTF8.self)
            case .null: nil
            }
        }
        id = integer(0) ?? 0
        timeMilliseconds = integer(1) ?? 0
        actorID = integer(2)
        actorName = text(3)
        source = text(4) ?? ""
        clientAddress = text(5)
        userAgent = text(6)
        action = text(7) ?? ""
        hostID = integer(8)
        target = text(9)
        parameters = text(10)
        outcome = text(11) ?? ""
        httpStatus = integer(12)
        error = text(13)
        durationMilliseconds = integer(14)
        prevHash = text(15) ?? ""
        hash = text(16) ?? ""
    }

    /// The parameters as sorted key/value pairs; nil when they are not a JSON object of strings.
    package var parameterPairs: [(key: String, value: String)]? {
        guard let parameters else { return [] }
        guard let object = JSONText.stringObject(parameters) else { return nil }
        return object.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }
}

/// Reading the audit history: pages by keyset, single rows, and batches for exports.
///
/// A page is the newest rows matching the filter below a cursor id, and costs about one page of
/// index entries whatever its depth: equality filters (actor, host, outcome) walk their
/// `(column, id)` index; an action prefix is expanded into its distinct actions (one index seek
/// each) and each action's `(action, id)` walk is merged; a target text is first looked for in
/// the newest ``scanWindow`` ids below the cursor, then through the trigram index.
package enum AuditRepository {
    /// Ids scanned newest first before a target search turns to the trigram index.
    package static let scanWindow: Int64 = 4096
    /// Beyond this many actions under a prefix, one range condition is used instead.
    package static let maximumActions = 32

    /// Up to `limit` rows matching `filter`, newest first, older than `before` when given.
    package static func page(
        _ filter: AuditFilter, before: Int64?, limit: Int, on connection: SQLiteConnection
    ) throws -> [AuditRecord] {
        let top = try before ?? (lastID(on: connection) + 1)
        if let prefix = filter.actionPrefix {
            let actions = try self.actions(under: prefix, on: connection)
            if actions.count <= maximumActions {
                var rows: [AuditRecord] = []
                for action in actions { rows += try walk(filter, exactAction: action, below: top, limit: limit, on: connection) }
                return Array(rows.sorted { $0.id > $1.id }.prefix(limit))
            }
        }
        return try walk(filter, exactAction: nil, below: top, limit: limit, on: connection)
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
        _ filter: AuditFilter, exactAction: String?, below top: Int64, limit: Int, on connection: SQLiteConnection
    ) throws -> [AuditRecord] {
        guard filter.target != nil else {
            return try select(filter.conditions(exactAction: exactAction), below: top, from: nil, limit: limit, on: connection)
        }
        let floor = max(0, top - scanWindow)
        var rows = try select(filter.conditions(exactAction: exactAction), below: top, from: floor, limit: limit, on: connection)
        if rows.count < limit, floor > 0 {
            rows += try select(
                filter.conditions(exactAction: exactAction, targetIndex: true), below: floor, from: nil,
                limit: limit - rows.count, on: connection)
        }
        return rows
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

extension JSONText {
    /// `text` read as a JSON object whose values are all strings (audit parameters), or nil.
    package static func stringObject(_ text: String) -> [String: String]? {
        try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }
}
