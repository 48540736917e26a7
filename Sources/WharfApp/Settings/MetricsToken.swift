import WharfSQLite
import WharfTLS

/// The dedicated token Prometheus scrapes `/metrics` with (`Authorization: Bearer wharfm_…`): it
/// can read metrics and nothing else, so a scrape configuration never holds a user's credential.
/// Only its SHA-256 is stored (`settings.metrics_token_sha256`); admins create, replace or revoke
/// it on the settings page, and the new value is shown once.
enum MetricsToken {
    static let prefix = "wharfm_"
    static let settingsKey = "metrics_token_sha256"

    /// Whether `secret` looks like a metrics token (so other bearer tokens are left to authentication).
    static func looksLikeToken(_ secret: String) -> Bool { secret.hasPrefix(prefix) }

    /// Makes a new token, replacing any previous one; returns it (it is not stored).
    static func create(now: Int64, on connection: SQLiteConnection) throws -> String {
        let secret = prefix + SecureRandom.token(byteCount: 32)
        try connection.execute(
            """
            INSERT INTO settings (key, value, updated_ms) VALUES (?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms
            """, [.text(settingsKey), .text(SHA256.hex(Array(secret.utf8))), .integer(now)])
        return secret
    }

    /// Removes the token; returns whether there was one.
    static func revoke(on connection: SQLiteConnection) throws -> Bool {
        try connection.execute("DELETE FROM settings WHERE key = ?", [.text(settingsKey)])
        return connection.changes > 0
    }

    static func exists(on connection: SQLiteConnection) throws -> Bool {
        try connection.queryValue("SELECT 1 FROM settings WHERE key = ?", [.text(settingsKey)], as: Int.self) != nil
    }

    /// Whether `secret` is the current token (compared as hashes, in constant time).
    static func matches(_ secret: String, on connection: SQLiteConnection) throws -> Bool {
        guard let stored = try connection.queryValue("SELECT value FROM settings WHERE key = ?", [.text(settingsKey)], as: String.self) else {
            return false
        }
        return RequestSigner.matches(SHA256.hex(Array(secret.utf8)), stored)
    }
}
