package import WharfSQLite
import WharfTLS

/// A stored API token (never the token itself).
package struct APIToken: Sendable, Equatable {
    package let id: Int64
    package let userID: Int64
    package let name: String
    /// `wharf_` and 8 characters: the part of the token shown in lists.
    package let prefix: String
    package let role: Role
    package let createdMilliseconds: Int64
    package let expiresMilliseconds: Int64?
    package let lastUsedMilliseconds: Int64?
    package let revokedMilliseconds: Int64?

    static let columns = "id, user_id, name, prefix, role, created_ms, expires_ms, last_used_ms, revoked_ms"

    init(row: Row) throws {
        id = try row.get(0)
        userID = try row.get(1)
        name = try row.get(2)
        prefix = try row.get(3)
        role = try row.get(4)
        createdMilliseconds = try row.get(5)
        expiresMilliseconds = try row.get(6)
        lastUsedMilliseconds = try row.get(7)
        revokedMilliseconds = try row.get(8)
    }

    package func isExpired(now: Int64) -> Bool { expiresMilliseconds.map { now >= $0 } ?? false }
    package var isRevoked: Bool { revokedMilliseconds != nil }
}

/// API tokens: `wharf_<8 characters>_<43 characters>`, 256 random bits after the prefix, shown
/// once at creation and stored as SHA-256. Accepted only in `Authorization: Bearer`.
package enum APITokenStore {
    package static let tokenPrefix = "wharf_"
    package static let maximumNameLength = 64
    private static let prefixAlphabet = Array("abcdefghijkmnopqrstuvwxyz23456789".utf8)

    package static func hash(_ token: String) -> String { SHA256.hex(Array(token.utf8)) }

    /// Creates a token for `userID`; returns the row and the token text, which is never stored.
    package static func create(
        userID: Int64, name: String, role: Role, expiresMilliseconds: Int64?, now: Int64, on connection: SQLiteConnection
    ) throws -> (token: APIToken, secret: String) {
        let prefixCharacters = SecureRandom.bytes(8).map { prefixAlphabet[Int($0) % prefixAlphabet.count] }
        let prefix = tokenPrefix + String(decoding: prefixCharacters, as: UTF8.self)
        let secret = prefix + "_" + SecureRandom.token(byteCount: 32)
        try connection.execute(
            """
            INSERT INTO api_tokens (user_id, name, prefix, token_hash, role, created_ms, expires_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [.integer(userID), .text(name), .text(prefix), .text(hash(secret)), role.sqliteValue, .integer(now),
             expiresMilliseconds.map { .integer($0) } ?? .null])
        let id = connection.lastInsertRowID
        guard let row = try connection.querySingle("SELECT \(APIToken.columns) FROM api_tokens WHERE id = ?", [.integer(id)]) else {
            throw SQLiteError(code: .internal, message: "the token just inserted is missing")
        }
        return (try APIToken(row: row), secret)
    }

    /// The token whose text is `secret` (live, expired or revoked), nil when unknown.
    package static func find(secret: String, on connection: SQLiteConnection) throws -> APIToken? {
        try find(hash: hash(secret), on: connection)
    }

    /// The token whose secret has ``hash(_:)`` `hash`, nil when there is none.
    static func find(hash: String, on connection: SQLiteConnection) throws -> APIToken? {
        try connection.querySingle("SELECT \(APIToken.columns) FROM api_tokens WHERE token_hash = ?", [.text(hash)]).map(APIToken.init(row:))
    }

    /// The token with row id `id`, nil when there is none.
    package static func find(id: Int64, on connection: SQLiteConnection) throws -> APIToken? {
        try connection.querySingle("SELECT \(APIToken.columns) FROM api_tokens WHERE id = ?", [.integer(id)]).map(APIToken.init(row:))
    }

    /// The user's tokens, newest first, revoked ones included.
    package static func list(userID: Int64, on connection: SQLiteConnection) throws -> [APIToken] {
        try connection.query(
            "SELECT \(APIToken.columns) FROM api_tokens WHERE user_id = ? ORDER BY id DESC", [.integer(userID)]
        ).map(APIToken.init(row:))
    }

    /// Revokes the user's token `id`; returns it when it was live and theirs.
    package static func revoke(id: Int64, userID: Int64, now: Int64, on connection: SQLiteConnection) throws -> APIToken? {
        try connection.execute(
            "UPDATE api_tokens SET revoked_ms = ? WHERE id = ? AND user_id = ? AND revoked_ms IS NULL",
            [.integer(now), .integer(id), .integer(userID)])
        guard connection.changes == 1 else { return nil }
        return try connection.querySingle("SELECT \(APIToken.columns) FROM api_tokens WHERE id = ?", [.integer(id)]).map(APIToken.init(row:))
    }

    /// Revokes every live token of `userID` (when the user is disabled or an admin resets the
    /// password). Returns how many.
    @discardableResult
    package static func revokeAll(userID: Int64, now: Int64, on connection: SQLiteConnection) throws -> Int {
        try connection.execute(
            "UPDATE api_tokens SET revoked_ms = ? WHERE user_id = ? AND revoked_ms IS NULL", [.integer(now), .integer(userID)])
        return connection.changes
    }

    /// Lowers `userID`'s tokens whose role is above `role` to it (when the user's role is
    /// lowered), so they stay as weak when the role is raised again. Returns how many.
    @discardableResult
    package static func cap(userID: Int64, at role: Role, on connection: SQLiteConnection) throws -> Int {
        let higher = Role.allCases.filter { $0 > role }.map { SQLiteValue.text($0.rawValue) }
        guard !higher.isEmpty else { return 0 }
        let placeholders = higher.map { _ in "?" }.joined(separator: ", ")
        try connection.execute(
            "UPDATE api_tokens SET role = ? WHERE user_id = ? AND role IN (\(placeholders))",
            [role.sqliteValue, .integer(userID)] + higher)
        return connection.changes
    }

    /// Notes a use, at most once a minute per token.
    package static func touch(id: Int64, now: Int64, on connection: SQLiteConnection) throws {
        try connection.execute(
            "UPDATE api_tokens SET last_used_ms = ? WHERE id = ? AND (last_used_ms IS NULL OR last_used_ms < ?)",
            [.integer(now), .integer(id), .integer(now - 60_000)])
    }

    /// Whether `text` has the shape of a Wharf token (so a malformed header gets a precise 401).
    package static func looksLikeToken(_ text: String) -> Bool {
        text.hasPrefix(tokenPrefix) && text.utf8.count == tokenPrefix.utf8.count + 8 + 1 + 43
    }
}
