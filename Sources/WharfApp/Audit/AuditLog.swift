package import WharfSQLite
import WharfTLS

/// The append-only, hash-chained audit history in `audit_log`.
///
/// Each row's `hash` is HMAC-SHA-256 (hex) under the audit chain key (``AuditChainKey``, derived
/// from `secret.key`, never stored in the database) over its `prev_hash` and its canonical
/// encoding (``AuditRecordEncoding``); rows written before issue 10 have plain SHA-256
/// (``AuditChain/keyedFrom(on:)``). The first row's `prev_hash` is ``genesisHash``. Appending
/// inside the caller's write transaction puts the row in the same commit as the action's own
/// change, and that commit happens before the response reporting the action is sent.
package struct AuditLog: Sendable {
    package static let genesisHash = String(repeating: "0", count: 64)

    package let database: Database

    package init(database: Database) {
        self.database = database
    }

    /// Appends `entry` in its own write transaction, committed when this returns.
    @discardableResult
    package func record(_ entry: AuditEntry) async throws -> Int64 {
        try await database.write { connection in try AuditLog.append(entry, on: connection) }
    }

    /// Appends `entry` on `connection`, which must be inside a write transaction (the caller's,
    /// so the row commits or rolls back with the action's own change). Long strings are cut
    /// (``AuditEntry/bounded``). Returns the row id.
    @discardableResult
    package static func append(_ entry: AuditEntry, on connection: SQLiteConnection) throws -> Int64 {
        let last = try connection.querySingle("SELECT hash, time_ms FROM audit_log ORDER BY id DESC LIMIT 1")
        // With every row purged, the chain continues from the newest purge checkpoint.
        let previous: String = try last?.get(0) ?? AuditVerifier.start(on: connection).hash
        let previousTime: Int64? = try last?.get(1)
        // AUTOINCREMENT never reuses an id, even after a purge; the id is part of the hash, so it
        // is chosen here rather than by the insert.
        let sequence: Int64 = try connection.queryValue(
            "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0)") ?? 0
        let id = sequence + 1
        let entry = entry.bounded
        let fields = AuditRecordEncoding.fields(id: id, entry: entry)
        let hash = AuditRecordEncoding.hash(previous: previous, fields: fields, key: try AuditChain.key(on: connection))
        try connection.execute("""
            INSERT INTO audit_log (id, time_ms, actor_id, actor_name, source, client_address, user_agent,
                action, host_id, target, parameters, outcome, http_status, error, duration_ms, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, fields + [.text(previous), .text(hash)])
        if let previousTime, entry.timeMilliseconds < previousTime {
            // The clock stepped back: time ranges stop being id ranges (see AuditRepository).
            try connection.execute("INSERT INTO audit_clock_steps (id) VALUES (?)", [.integer(id)])
        }
        if id - (try searchIndexedThrough(on: connection)) >= searchBatch { try indexSearch(through: id, on: connection) }
        return id
    }

    /// Rows added to the trigram index at once: one FTS5 segment per batch rather than per row.
    package static let searchBatch: Int64 = 64

    /// The newest id in the trigram index; newer rows are searched by scanning.
    package static func searchIndexedThrough(on connection: SQLiteConnection) throws -> Int64 {
        try connection.queryValue("SELECT through FROM audit_search_progress") ?? 0
    }

    /// Adds the rows up to `id` that are not yet in the trigram index, inside the caller's write
    /// transaction.
    package static func indexSearch(through id: Int64, on connection: SQLiteConnection) throws {
        let indexed = try searchIndexedThrough(on: connection)
        try connection.execute(
            "INSERT INTO audit_target_search (rowid, target) SELECT id, target FROM audit_log WHERE id > ? AND id <= ?",
            [.integer(indexed), .integer(id)])
        try connection.execute("UPDATE audit_search_progress SET through = ?", [.integer(max(indexed, id))])
    }
}

/// The canonical encoding a row's hash covers: every column but the two hashes, in table order,
/// each as `N;` (null), `I<decimal>;` (integer) or `T<byte count>:<UTF-8 bytes>;` (text). Length
/// prefixes make the encoding unambiguous whatever the text holds.
package enum AuditRecordEncoding {
    /// The columns `id` … `duration_ms`, as stored.
    package static func fields(id: Int64, entry: AuditEntry) -> [SQLiteValue] {
        func text(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
        func integer(_ value: Int64?) -> SQLiteValue { value.map { .integer($0) } ?? .null }
        return [
            .integer(id), .integer(entry.timeMilliseconds), integer(entry.actorID), text(entry.actorName),
            .text(entry.source.rawValue), text(entry.clientAddress), text(entry.userAgent), .text(entry.action),
            integer(entry.hostID), text(entry.target), text(entry.parametersJSON), .text(entry.outcome.rawValue),
            integer(entry.httpStatus.map(Int64.init)), text(entry.error), integer(entry.durationMilliseconds),
        ]
    }

    /// HMAC-SHA-256 under `key` (plain SHA-256 when `key` is nil, for rows from before keyed
    /// chains), in hex, over `previous` and the canonical encoding of `fields`.
    package static func hash(previous: String, fields: [SQLiteValue], key: [UInt8]? = nil) -> String {
        var bytes = Array(previous.utf8)
        for field in fields {
            switch field {
            case .null: bytes += Array("N;".utf8)
            case .integer(let value): bytes += Array("I\(value);".utf8)
            case .text(let value):
                let utf8 = Array(value.utf8)
                bytes += Array("T\(utf8.count):".utf8) + utf8 + [UInt8(ascii: ";")]
            case .real(let value): bytes += Array("R\(value);".utf8)
            case .blob(let value): bytes += Array("B\(value.count):".utf8) + value + [UInt8(ascii: ";")]
            }
        }
        return key.map { Hex.encode(HMAC.sha256(key: $0, message: bytes)) } ?? SHA256.hex(bytes)
    }
}
