import WharfWire
import WharfHTTP
package import WharfSQLite

/// Walks the audit chain in id order and recomputes every hash, reading rows one at a time from
/// a statement (constant memory whatever the table's size).
///
/// The walk starts at the newest purge checkpoint (the last removed row's id and hash), or at
/// id 1 and ``AuditLog/genesisHash`` when nothing was ever purged. Each row must have the next
/// id, link to the previous row's hash, and carry the hash of its own contents: HMAC-SHA-256
/// under the connection's ``AuditChainKey`` from ``AuditChain/keyedFrom(on:)`` on, plain SHA-256
/// before. A checkpoint is only believed when its own `audit.purge` row (a keyed row naming its
/// last id and hash) follows it, so a checkpoint added by hand cannot hide a cut.
package enum AuditVerifier {
    /// The first row that breaks the chain, and why.
    package struct Break: Error, Sendable, Equatable, CustomStringConvertible {
        package enum Reason: Sendable, Equatable {
            /// The row's contents do not give its stored hash: a field was changed.
            case hashMismatch(stored: String, computed: String)
            /// The row's prev_hash is not the previous row's hash: a row was replaced or moved.
            case prevHashMismatch(stored: String, expected: String)
            /// Rows are missing: `id` was expected, the next row present is `found`.
            case missing(found: Int64?)
            /// The newest row is not the one the caller expected (`--expect-head`).
            case headMismatch(found: String, expected: String)
            /// Rows after the newest one are gone: the id sequence went further.
            case truncated(sequence: Int64)
            /// The expected head names a row that was purged since (the walk starts after it).
            case headPurged(checkpoint: Int64)
            /// The newest checkpoint has no `audit.purge` row naming it after it.
            case checkpointUnconfirmed
        }

        /// The row the problem is at (the first missing one for gaps).
        package var id: Int64
        package var reason: Reason

        package var description: String {
            switch reason {
            case .hashMismatch(let stored, let computed):
                "row \(id): its contents do not match its hash (stored \(stored.prefix(16))…, computed \(computed.prefix(16))…); the row was changed"
            case .prevHashMismatch(let stored, let expected):
                "row \(id): prev_hash \(stored.prefix(16))… does not link to the previous row's hash \(expected.prefix(16))…; a row was replaced, moved or removed"
            case .missing(let found?):
                "row \(id): missing (the chain jumps to row \(found)); rows were removed outside wharf audit purge"
            case .missing(nil):
                "row \(id): missing; the chain's first row is gone"
            case .headMismatch(let found, let expected):
                "row \(id): the newest row's hash is \(found), not the expected \(expected); rows were added or removed at the end"
            case .truncated(let sequence):
                "row \(id): missing; ids were issued up to \(sequence), so the rows from \(id) on were removed"
            case .headPurged(let checkpoint):
                "row \(id): purged since (the history starts after row \(checkpoint)), so this head cannot be checked; keep a newer one"
            case .checkpointUnconfirmed:
                "row \(id): the purge checkpoint after row \(id) has no audit.purge row naming it; it was added outside wharf audit purge to hide removed rows"
            }
        }
    }

    /// What a successful walk saw.
    package struct Summary: Sendable, Equatable {
        /// Rows whose hash was recomputed.
        package var verified: Int
        /// The newest row's id and hash, or the checkpoint's when no row follows it.
        package var headID: Int64
        package var headHash: String
        /// The checkpoint the walk started from (the last purged row's id), if any.
        package var checkpointID: Int64?
        /// The first row chained with the key (rows before it are from before keyed chains).
        package var keyedFrom: Int64 = 1

        package var description: String {
            "\(verified) rows verified" + (checkpointID.map { " (from the purge checkpoint after row \($0))" } ?? "")
                + (keyedFrom > 1 ? ", keyed from row \(keyedFrom) (earlier rows: plain SHA-256)" : "")
                + "; head \(headID == 0 ? "genesis" : "row \(headID)") \(headHash)"
        }
    }

    /// Where the chain starts: the newest checkpoint, or genesis.
    package static func start(on connection: SQLiteConnection) throws -> (id: Int64, hash: String, isCheckpoint: Bool) {
        if let row = try connection.querySingle("SELECT last_id, last_hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1") {
            return (try row.get(0), try row.get(1), true)
        }
        return (0, AuditLog.genesisHash, false)
    }

    /// Verifies rows up to `through` (all when nil) on `connection`, inside the caller's
    /// transaction so the walk sees one snapshot. With `expectHead`, the row it names (the
    /// newest when it has no id) must have its hash.
    /// - Throws: ``Break`` for the first bad row; ``AuditChainError`` without a key;
    ///   `SQLiteError` when reading fails.
    package static func verify(
        on connection: SQLiteConnection, through: Int64? = nil, expectHead: AuditHead? = nil
    ) throws -> Summary {
        let start = try start(on: connection)
        let key = try AuditChain.key(on: connection)
        let keyedFrom = try AuditChain.keyedFrom(on: connection)
        var previousID = start.id
        var previousHash = start.hash
        var verified = 0
        // A checkpoint counts only once its own audit.purge row is seen.
        var confirmed = !start.isCheckpoint
        let sql = "SELECT \(AuditRecord.columns) FROM audit_log WHERE id > ? AND id <= ? ORDER BY id"
        // Rows at or before the checkpoint cannot exist after a purge; `id > start` skips none
        // that a purge left, because the purge removed every row up to the checkpoint.
        try connection.queryEach(sql, [.integer(start.id), .integer(through ?? Int64.max)]) { row in
            let id: Int64 = (try? row.get(0)) ?? 0
            if id != previousID + 1 {
                throw Break(id: previousID + 1, reason: .missing(found: id))
            }
            let fields = Array(row.values[0..<15])
            let stored = AuditRecord(row: row)
            if stored.prevHash != previousHash {
                throw Break(id: id, reason: .prevHashMismatch(stored: stored.prevHash, expected: previousHash))
            }
            let computed = AuditRecordEncoding.hash(previous: stored.prevHash, fields: fields, key: id >= keyedFrom ? key : nil)
            if computed != stored.hash {
                throw Break(id: id, reason: .hashMismatch(stored: stored.hash, computed: computed))
            }
            if !confirmed, stored.action == "audit.purge", let parameters = stored.parameters.flatMap(JSONText.stringObject),
               parameters["last_id"] == String(start.id), parameters["last_hash"] == start.hash {
                confirmed = true
            }
            if let expectHead, let expected = expectHead.id, expected == id, expectHead.hash != stored.hash {
                throw Break(id: id, reason: .headMismatch(found: stored.hash, expected: expectHead.hash))
            }
            previousID = id
            previousHash = stored.hash
            verified += 1
        }
        if start.isCheckpoint, verified == 0, try connection.queryValue("SELECT count(*) FROM audit_log", as: Int64.self) ?? 0 > 0,
           through == nil {
            // Rows exist but none follows the checkpoint: the first kept row was removed.
            throw Break(id: start.id + 1, reason: .missing(found: nil))
        }
        if through == nil {
            let sequence: Int64 = try connection.queryValue(
                "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0)") ?? 0
            if sequence > previousID { throw Break(id: previousID + 1, reason: .truncated(sequence: sequence)) }
            if !confirmed { throw Break(id: start.id, reason: .checkpointUnconfirmed) }
            if let expectHead { try check(expectHead, start: start, headID: previousID, headHash: previousHash) }
        }
        return Summary(
            verified: verified, headID: previousID, headHash: previousHash, checkpointID: start.isCheckpoint ? start.id : nil,
            keyedFrom: keyedFrom)
    }

    /// The checks on an expected head that the walk itself cannot make: the newest row (a bare
    /// hash), the checkpoint, a purged row, or a row past the end.
    private static func check(
        _ expected: AuditHead, start: (id: Int64, hash: String, isCheckpoint: Bool), headID: Int64, headHash: String
    ) throws {
        guard let id = expected.id else {
            if expected.hash != headHash { throw Break(id: headID, reason: .headMismatch(found: headHash, expected: expected.hash)) }
            return
        }
        if id > headID {
            throw Break(id: headID + 1, reason: .truncated(sequence: id))
        }
        if id == start.id, expected.hash != start.hash {
            throw Break(id: id, reason: .headMismatch(found: start.hash, expected: expected.hash))
        }
        if id < start.id { throw Break(id: id, reason: .headPurged(checkpoint: start.id)) }
    }
}
