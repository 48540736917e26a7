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

    /// What ``signingKey(now:sealedWith:on:)`` had to do besides reading the key.
    package enum SigningKeyChange: String, Sendable {
        /// None existed: a new one was made.
        case created
        /// An earlier version's key, stored in the clear, is now sealed.
        case sealed
        /// The stored key did not open (`secret.key` was replaced): a new one was made. CSRF
        /// tokens and pending sign-ins made with the old key no longer verify; sessions stay.
        case replaced
    }

    static let signingKeyLabel = "settings:signing_key"
    static let sealedPrefix = "sealed:"

    /// The server's HMAC key for CSRF tokens and signed cookies: 32 random bytes, created on first
    /// use and kept in the database sealed under `secret.key` (as `sealed:<hex>`), so tokens stay
    /// valid across restarts and CLI runs agree.
    package static func signingKey(
        now: Int64, sealedWith secretKey: SecretKey, on connection: SQLiteConnection
    ) throws -> (key: [UInt8], change: SigningKeyChange?) {
        let stored = try connection.queryValue("SELECT value FROM settings WHERE key = ?", [.text(signingKeyKey)], as: String.self)
        var change: SigningKeyChange?
        var key: [UInt8]?
        if let stored, stored.hasPrefix(sealedPrefix) {
            if let box = Hex.decode(String(stored.dropFirst(sealedPrefix.count))),
               let opened = try? secretKey.open(box, label: signingKeyLabel), opened.count == 32 {
                return (opened, nil)
            }
            change = .replaced
        } else if let stored {
            guard let clear = Hex.decode(stored), clear.count == 32 else {
                throw SQLiteError(code: .corrupt, message: "settings.signing_key is neither sealed nor 32 bytes of hex")
            }
            key = clear
            change = .sealed
        } else {
            change = .created
        }
        let result = key ?? SecureRandom.bytes(32)
        let sealed = sealedPrefix + Hex.encode(try secretKey.seal(result, label: signingKeyLabel))
        try connection.execute(
            """
            INSERT INTO settings (key, value, updated_ms) VALUES (?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms
            """, [.text(signingKeyKey), .text(sealed), .integer(now)])
        return (result, change)
    }
}
