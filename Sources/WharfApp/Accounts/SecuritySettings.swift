package import WharfSQLite
import WharfTLS

/// Instance-wide settings in the `settings` table.
package enum SecuritySettings {
    static let requireTOTPKey = "require_totp"
    static let signingKeyKey = "signing_key"

    /// Whether every user must have a second factor (admins set it on the users page).
    package static func requireTOTP(on connection: SQLiteConnection) throws -> Bool {
        try connection.queryValue("SELECT value FROM settings WHERE key = ?", [.text(requireTOTPKey)], as: String.self) == "1"
    }

    package static func setRequireTOTP(_ value: Bool, now: Int64, on connection: SQLiteConnection) throws {
        try connection.execute(
            """
            INSERT INTO settings (key, value, updated_ms) VALUES (?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms
            """, [.text(requireTOTPKey), .text(value ? "1" : "0"), .integer(now)])
    }

    /// The server's HMAC key for CSRF tokens and signed cookies: 32 random bytes, created on first
    /// use and kept in the database, so tokens stay valid across restarts and CLI runs agree.
    package static func signingKey(now: Int64, on connection: SQLiteConnection) throws -> [UInt8] {
        try connection.execute(
            "INSERT OR IGNORE INTO settings (key, value, updated_ms) VALUES (?, ?, ?)",
            [.text(signingKeyKey), .text(Hex.encode(SecureRandom.bytes(32))), .integer(now)])
        let text = try connection.queryValue("SELECT value FROM settings WHERE key = ?", [.text(signingKeyKey)], as: String.self)
        guard let text, let key = Hex.decode(text), key.count == 32 else {
            throw SQLiteError(code: .corrupt, message: "settings.signing_key is not 32 bytes of hex")
        }
        return key
    }
}
