package import WharfSQLite
import WharfTLS

/// The key audit rows are chained under, attached to every connection of Wharf's database
/// (``WharfStore/open(dataDirectory:resourcesDirectory:)`` derives it from `secret.key`), so
/// ``AuditLog/append(_:on:)`` and ``AuditVerifier`` find it without it ever being in the file.
package enum AuditChainKey: ConnectionValueKey {
    package typealias Value = [UInt8]

    /// The purpose ``SecretKey/derivedKey(for:)`` derives it for.
    package static let purpose = "audit-chain"
}

/// Why the audit chain cannot be used on a connection.
package enum AuditChainError: Error, CustomStringConvertible {
    /// The connection carries no ``AuditChainKey``: the database was not opened through `WharfStore`.
    case noKey

    package var description: String {
        "the audit chain key is missing: open the database through WharfStore, which derives it from secret.key"
    }
}

/// Which hash a row's chain link uses: rows from ``keyedFrom(on:)`` on use HMAC-SHA-256 under
/// the key; rows before it (written before issue 10) plain SHA-256.
package enum AuditChain {
    /// The key on `connection`. - Throws: ``AuditChainError/noKey``.
    package static func key(on connection: SQLiteConnection) throws -> [UInt8] {
        guard let key = connection[AuditChainKey.self] else { throw AuditChainError.noKey }
        return key
    }

    /// The first keyed row id, recorded by the migration that introduced keyed rows; 1 (every
    /// row keyed) when the record is missing.
    package static func keyedFrom(on connection: SQLiteConnection) throws -> Int64 {
        (try connection.queryValue("SELECT min(first_id) FROM audit_chain_keyed", as: Int64?.self) ?? nil) ?? 1
    }
}

/// A point of the chain: a row id and its hash (`0` and ``AuditLog/genesisHash`` before any row).
/// Printed as `SEQ HASH` by `wharf audit head` and in the server's log (`audit head SEQ HASH`),
/// to be kept somewhere else and given back to `wharf audit verify --expect-head`.
package struct AuditHead: Sendable, Equatable, CustomStringConvertible {
    /// The row id; nil when only a hash was given (it then names the newest row).
    package var id: Int64?
    package var hash: String

    package init(id: Int64?, hash: String) {
        self.id = id
        self.hash = hash
    }

    /// Reads a head from `HASH`, `SEQ HASH`, or a log line ending in them
    /// (`wharf: audit head 1234 5f3e…`); nil when the text ends in no 64-digit hex hash.
    package init?(parsing text: String) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        guard let last = words.last, last.utf8.count == 64,
              last.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) })
        else { return nil }
        hash = last.lowercased()
        id = words.count >= 2 ? Int64(words[words.count - 2]) : nil
    }

    package var description: String { "\(id.map(String.init) ?? "?") \(hash)" }

    /// The newest row's id and hash, or the newest checkpoint's when every row was purged, or
    /// genesis.
    package static func current(on connection: SQLiteConnection) throws -> AuditHead {
        if let row = try connection.querySingle("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1") {
            return AuditHead(id: try row.get(0), hash: try row.get(1))
        }
        let start = try AuditVerifier.start(on: connection)
        return AuditHead(id: start.id, hash: start.hash)
    }
}
