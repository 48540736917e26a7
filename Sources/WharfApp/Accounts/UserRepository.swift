package import WharfSQLite

/// SQL for `users` and `recovery_codes`. Every function runs on the connection it is given, so
/// callers compose them inside one write transaction together with the audit row.
package enum UserRepository {
    package static func count(on connection: SQLiteConnection) throws -> Int {
        try connection.queryValue("SELECT count(*) FROM users", as: Int.self) ?? 0
    }

    package static func all(on connection: SQLiteConnection) throws -> [User] {
        try connection.query("SELECT \(User.columns) FROM users ORDER BY username COLLATE NOCASE").map(User.init(row:))
    }

    package static func find(id: Int64, on connection: SQLiteConnection) throws -> User? {
        try connection.querySingle("SELECT \(User.columns) FROM users WHERE id = ?", [.integer(id)]).map(User.init(row:))
    }

    package static func find(username: String, on connection: SQLiteConnection) throws -> User? {
        try connection.querySingle("SELECT \(User.columns) FROM users WHERE username = ?", [.text(username)]).map(User.init(row:))
    }

    package static func passwordHash(userID: Int64, on connection: SQLiteConnection) throws -> String? {
        try connection.queryValue("SELECT password_hash FROM users WHERE id = ?", [.integer(userID)], as: String.self)
    }

    /// Inserts a user. - Throws: `SQLiteError.constraintUnique` when the name is taken (any case).
    package static func insert(
        username: String, role: Role, passwordHash: String, now: Int64, on connection: SQLiteConnection
    ) throws -> Int64 {
        try connection.execute(
            "INSERT INTO users (username, role, password_hash, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?)",
            [.text(username), role.sqliteValue, .text(passwordHash), .integer(now), .integer(now)])
        return connection.lastInsertRowID
    }

    package static func setPasswordHash(_ hash: String, userID: Int64, now: Int64, on connection: SQLiteConnection) throws {
        try connection.execute(
            "UPDATE users SET password_hash = ?, updated_ms = ? WHERE id = ?", [.text(hash), .integer(now), .integer(userID)])
    }

    package static func setRole(_ role: Role, userID: Int64, now: Int64, on connection: SQLiteConnection) throws {
        try connection.execute(
            "UPDATE users SET role = ?, updated_ms = ? WHERE id = ?", [role.sqliteValue, .integer(now), .integer(userID)])
    }

    package static func setDisabled(_ disabled: Bool, userID: Int64, now: Int64, on connection: SQLiteConnection) throws {
        try connection.execute(
            "UPDATE users SET disabled = ?, updated_ms = ? WHERE id = ?", [.integer(disabled ? 1 : 0), .integer(now), .integer(userID)])
    }

    /// Admins that are enabled: the last one may not be demoted or disabled.
    package static func activeAdminCount(on connection: SQLiteConnection) throws -> Int {
        try connection.queryValue("SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0", as: Int.self) ?? 0
    }

    // MARK: Second factor

    /// The enrolled secret, the pending one and the last accepted step. Secrets are stored sealed
    /// under the data directory's ``SecretKey`` (labels ``totpLabel(userID:pending:)``).
    /// - Throws: ``SecretKeyError/cannotOpen(_:)`` when a secret was sealed under another key.
    package static func totpState(
        userID: Int64, key: SecretKey, on connection: SQLiteConnection
    ) throws -> (secret: [UInt8]?, pending: [UInt8]?, lastStep: Int64?) {
        guard let row = try connection.querySingle(
            "SELECT totp_secret, totp_pending_secret, totp_last_step FROM users WHERE id = ?", [.integer(userID)]) else {
            return (nil, nil, nil)
        }
        let secret: [UInt8]? = try row.get(0)
        let pending: [UInt8]? = try row.get(1)
        return (
            try secret.map { try key.open($0, label: totpLabel(userID: userID, pending: false)) },
            try pending.map { try key.open($0, label: totpLabel(userID: userID, pending: true)) },
            try row.get(2))
    }

    /// What a user's TOTP secret is sealed for: a sealed value moved to another user or column
    /// does not open.
    package static func totpLabel(userID: Int64, pending: Bool) -> String {
        "user:\(userID):\(pending ? "totp-pending" : "totp")"
    }

    package static func setPendingTOTPSecret(_ secret: [UInt8]?, userID: Int64, key: SecretKey, on connection: SQLiteConnection) throws {
        let sealed = try secret.map { try key.seal($0, label: totpLabel(userID: userID, pending: true)) }
        try connection.execute(
            "UPDATE users SET totp_pending_secret = ? WHERE id = ?", [sealed.map { .blob($0) } ?? .null, .integer(userID)])
    }

    /// Seals the TOTP secrets that earlier versions stored in the clear (a raw secret is
    /// ``TOTP/secretByteCount`` bytes; a sealed one is longer). Returns how many it sealed.
    package static func sealClearTOTPSecrets(key: SecretKey, on connection: SQLiteConnection) throws -> Int {
        var sealed = 0
        for (column, pending) in [("totp_secret", false), ("totp_pending_secret", true)] {
            let rows = try connection.query(
                "SELECT id, \(column) FROM users WHERE length(\(column)) = ?", [.integer(Int64(TOTP.secretByteCount))])
            for row in rows {
                let id: Int64 = try row.get(0)
                let clear: [UInt8] = try row.get(1)
                try connection.execute(
                    "UPDATE users SET \(column) = ? WHERE id = ?",
                    [.blob(try key.seal(clear, label: totpLabel(userID: id, pending: pending))), .integer(id)])
                sealed += 1
            }
        }
        return sealed
    }

    /// Makes `secret` the enrolled one, records `step` as used, and replaces the recovery codes.
    package static func enableTOTP(
        secret: [UInt8], step: Int64, recoveryCodeHashes: [String], userID: Int64, now: Int64, key: SecretKey,
        on connection: SQLiteConnection
    ) throws {
        let sealed = try key.seal(secret, label: totpLabel(userID: userID, pending: false))
        try connection.execute(
            """
            UPDATE users SET totp_secret = ?, totp_pending_secret = NULL, totp_last_step = ?, updated_ms = ?
            WHERE id = ?
            """, [.blob(sealed), .integer(step), .integer(now), .integer(userID)])
        try connection.execute("DELETE FROM recovery_codes WHERE user_id = ?", [.integer(userID)])
        for hash in recoveryCodeHashes {
            try connection.execute("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", [.integer(userID), .text(hash)])
        }
    }

    package static func disableTOTP(userID: Int64, now: Int64, on connection: SQLiteConnection) throws {
        try connection.execute(
            """
            UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_last_step = NULL, updated_ms = ?
            WHERE id = ?
            """, [.integer(now), .integer(userID)])
        try connection.execute("DELETE FROM recovery_codes WHERE user_id = ?", [.integer(userID)])
    }

    /// Records `step` as used, only if it is later than the last one (a concurrent use of the same
    /// code loses). Returns whether it was recorded.
    package static func useTOTPStep(_ step: Int64, userID: Int64, on connection: SQLiteConnection) throws -> Bool {
        try connection.execute(
            "UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
            [.integer(step), .integer(userID), .integer(step)])
        return connection.changes == 1
    }

    /// Marks one unused recovery code stored as any of `hashes` (the keyed form, and the plain
    /// SHA-256 of earlier versions) as used. Returns whether there was one.
    package static func useRecoveryCode(hashes: [String], userID: Int64, now: Int64, on connection: SQLiteConnection) throws -> Bool {
        let placeholders = hashes.map { _ in "?" }.joined(separator: ", ")
        try connection.execute(
            """
            UPDATE recovery_codes SET used_ms = ? WHERE id = (
                SELECT id FROM recovery_codes WHERE user_id = ? AND used_ms IS NULL AND code_hash IN (\(placeholders)) LIMIT 1)
            """,
            [.integer(now), .integer(userID)] + hashes.map { .text($0) })
        return connection.changes >= 1
    }

    package static func unusedRecoveryCodeCount(userID: Int64, on connection: SQLiteConnection) throws -> Int {
        try connection.queryValue(
            "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_ms IS NULL", [.integer(userID)], as: Int.self) ?? 0
    }
}
