package import WharfSQLite
import WharfTLS

/// The first-run setup token: printed once at start-up while there are no users, valid one hour,
/// used once; only its SHA-256 is stored.
package enum SetupTokens {
    package static let lifetimeMilliseconds: Int64 = 3600 * 1000

    /// Why a token was refused.
    package enum Refusal: Error, Equatable {
        case unknown, expired, used, alreadySetUp
    }

    /// A new token when there are no users yet (earlier unused tokens are dropped), else nil.
    package static func issueIfNeeded(now: Int64, on connection: SQLiteConnection) throws -> String? {
        guard try UserRepository.count(on: connection) == 0 else { return nil }
        try connection.execute("DELETE FROM setup_tokens WHERE used_ms IS NULL")
        let token = SecureRandom.token(byteCount: 32)
        try connection.execute(
            "INSERT INTO setup_tokens (token_hash, created_ms, expires_ms) VALUES (?, ?, ?)",
            [.text(SHA256.hex(Array(token.utf8))), .integer(now), .integer(now + lifetimeMilliseconds)])
        return token
    }

    /// Checks `token` without using it.
    package static func check(_ token: String, now: Int64, on connection: SQLiteConnection) throws {
        guard try UserRepository.count(on: connection) == 0 else { throw Refusal.alreadySetUp }
        guard let row = try connection.querySingle(
            "SELECT expires_ms, used_ms FROM setup_tokens WHERE token_hash = ?", [.text(SHA256.hex(Array(token.utf8)))]) else {
            throw Refusal.unknown
        }
        let expires: Int64 = try row.get(0)
        let used: Int64? = try row.get(1)
        if used != nil { throw Refusal.used }
        if now >= expires { throw Refusal.expired }
    }

    /// Checks and uses `token` (inside the caller's transaction, which also creates the admin).
    package static func use(_ token: String, now: Int64, on connection: SQLiteConnection) throws {
        try check(token, now: now, on: connection)
        try connection.execute(
            "UPDATE setup_tokens SET used_ms = ? WHERE token_hash = ?", [.integer(now), .text(SHA256.hex(Array(token.utf8)))])
    }
}
