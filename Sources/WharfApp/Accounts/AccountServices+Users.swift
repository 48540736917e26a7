import WharfSQLite

/// User administration: every change writes its audit row in the same transaction.
extension AccountServices {
    /// Creates a user. - Throws: ``AccountError/invalid(field:message:)`` for a bad name or
    /// password, or a name already taken (names are unique ignoring case).
    @discardableResult
    package func createUser(username: String, role: Role, password: String, by actor: AuditActor) async throws -> User {
        if let problem = Username.problem(with: username) { throw AccountError.invalid(field: "username", message: problem) }
        if let problem = PasswordHasher.problem(with: password) { throw AccountError.invalid(field: "password", message: problem) }
        let hash = try await hasher.hash(password)
        let now = time.now()
        return try await database.write { connection in
            if try UserRepository.find(username: username, on: connection) != nil {
                throw AccountError.invalid(field: "username", message: "That username is taken.")
            }
            let id = try UserRepository.insert(username: username, role: role, passwordHash: hash, now: now, on: connection)
            try AuditLog.append(
                actor.entry("user.create", target: username, parameters: ["role": role.rawValue, "user_id": String(id)]),
                on: connection)
            guard let user = try UserRepository.find(id: id, on: connection) else { throw AccountError.userNotFound }
            return user
        }
    }

    package func users() async throws -> [User] {
        try await database.read { connection in try UserRepository.all(on: connection) }
    }

    package func user(id: Int64) async throws -> User? {
        try await database.read { connection in try UserRepository.find(id: id, on: connection) }
    }

    package func user(named username: String) async throws -> User? {
        try await database.read { connection in try UserRepository.find(username: username, on: connection) }
    }

    /// Sets a user's password and ends their sessions, except `keepingSession` (the one changing
    /// its own password stays signed in). `action` is `user.password.reset` (an admin or the CLI)
    /// or `profile.password.change` (the user). An admin's reset also revokes the user's API
    /// tokens (`revokingTokens`): whoever had the old password may have made some.
    package func setPassword(
        userID: Int64, password: String, action: String, keepingSession: Int64? = nil, revokingTokens: Bool = false,
        by actor: AuditActor
    ) async throws {
        if let problem = PasswordHasher.problem(with: password) { throw AccountError.invalid(field: "password", message: problem) }
        let hash = try await hasher.hash(password)
        let now = time.now()
        try await database.write { connection in
            guard let user = try UserRepository.find(id: userID, on: connection) else { throw AccountError.userNotFound }
            try UserRepository.setPasswordHash(hash, userID: userID, now: now, on: connection)
            let ended = try SessionStore.deleteAll(userID: userID, keeping: keepingSession, on: connection)
            var parameters = ["sessions_ended": String(ended)]
            if revokingTokens {
                parameters["api_revoked"] = String(try APITokenStore.revokeAll(userID: userID, now: now, on: connection))
            }
            try AuditLog.append(actor.entry(action, target: user.username, parameters: parameters), on: connection)
        }
    }

    /// Changes a user's role, ends their sessions (a privilege change gets a new session id) and
    /// lowers their API tokens whose role is above the new one to it, so raising the role again
    /// later does not give them back their old power. (Audit keys avoid the word "token", which
    /// ``AuditEntry`` redacts: `api_revoked`, `api_capped` count API tokens.)
    package func changeRole(userID: Int64, to role: Role, by actor: AuditActor) async throws {
        let now = time.now()
        try await database.write { connection in
            guard let user = try UserRepository.find(id: userID, on: connection) else { throw AccountError.userNotFound }
            guard user.role != role else { return }
            if user.role == .admin, !user.disabled, try UserRepository.activeAdminCount(on: connection) <= 1 {
                throw AccountError.lastAdmin
            }
            try UserRepository.setRole(role, userID: userID, now: now, on: connection)
            let ended = try SessionStore.deleteAll(userID: userID, on: connection)
            let capped = try APITokenStore.cap(userID: userID, at: role, on: connection)
            try AuditLog.append(
                actor.entry(
                    "user.role.change", target: user.username,
                    parameters: ["from": user.role.rawValue, "to": role.rawValue, "sessions_ended": String(ended),
                                 "api_capped": String(capped)]),
                on: connection)
        }
    }

    /// Disables (ending sessions and revoking API tokens, which enabling does not bring back) or
    /// enables a user.
    package func setDisabled(userID: Int64, _ disabled: Bool, by actor: AuditActor) async throws {
        let now = time.now()
        try await database.write { connection in
            guard let user = try UserRepository.find(id: userID, on: connection) else { throw AccountError.userNotFound }
            guard user.disabled != disabled else { return }
            if disabled, user.role == .admin, try UserRepository.activeAdminCount(on: connection) <= 1 {
                throw AccountError.lastAdmin
            }
            try UserRepository.setDisabled(disabled, userID: userID, now: now, on: connection)
            var parameters: [String: String] = [:]
            if disabled {
                parameters["sessions_ended"] = String(try SessionStore.deleteAll(userID: userID, on: connection))
                parameters["api_revoked"] = String(try APITokenStore.revokeAll(userID: userID, now: now, on: connection))
            }
            try AuditLog.append(
                actor.entry(disabled ? "user.disable" : "user.enable", target: user.username, parameters: parameters), on: connection)
        }
    }

    /// Revokes `userID`'s token `tokenID` (the user on their profile, or an admin), audited as
    /// `token.revoke`. Returns the token, or nil when it is not that user's or not live.
    package func revokeToken(_ tokenID: Int64, of userID: Int64, by actor: AuditActor) async throws -> APIToken? {
        let now = time.now()
        return try await database.write { connection -> APIToken? in
            guard let user = try UserRepository.find(id: userID, on: connection),
                  let token = try APITokenStore.revoke(id: tokenID, userID: userID, now: now, on: connection) else { return nil }
            try AuditLog.append(
                actor.entry("token.revoke", target: user.username, parameters: ["prefix": token.prefix, "name": token.name]),
                on: connection)
            return token
        }
    }

    /// Removes a user's second factor (TOTP secret and recovery codes), for a user who lost both
    /// the app and the codes, or after `secret.key` was lost (both are kept under it). The CLI's
    /// `wharf user remove-two-step`; audited as `user.totp.remove`. Returns whether there was one.
    @discardableResult
    package func removeSecondFactor(userID: Int64, by actor: AuditActor) async throws -> Bool {
        let now = time.now()
        return try await database.write { connection in
            guard let user = try UserRepository.find(id: userID, on: connection) else { throw AccountError.userNotFound }
            guard user.hasTOTP else { return false }
            try UserRepository.disableTOTP(userID: userID, now: now, on: connection)
            try AuditLog.append(actor.entry("user.totp.remove", target: user.username), on: connection)
            return true
        }
    }

    /// Ends every session of a user.
    package func revokeSessions(userID: Int64, by actor: AuditActor) async throws {
        try await database.write { connection in
            guard let user = try UserRepository.find(id: userID, on: connection) else { throw AccountError.userNotFound }
            let ended = try SessionStore.deleteAll(userID: userID, on: connection)
            try AuditLog.append(
                actor.entry("user.sessions.revoke", target: user.username, parameters: ["sessions_ended": String(ended)]),
                on: connection)
        }
    }

    /// Creates an API token for `userID`. The new token never outranks or outlives whoever asks
    /// for it: its role is at most the owner's and `caller`'s (for a token, the lower of the token's
    /// role and its owner's), and when `caller` is an API token its expiry is at most that token's
    /// (an expiry past it, or none, becomes the caller's). `caller` is nil for the CLI.
    /// - Throws: ``AccountError/invalid(field:message:)`` for a bad name, days, or a role above the cap.
    package func createToken(
        userID: Int64, name: String, role requested: Role?, expiresInDays days: Int?, by actor: AuditActor,
        cappedBy caller: Principal? = nil
    ) async throws -> (token: APIToken, secret: String) {
        let trimmed = String(name.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        if trimmed.isEmpty { throw AccountError.invalid(field: "name", message: "Give the token a name, e.g. the machine that uses it.") }
        if trimmed.count > APITokenStore.maximumNameLength {
            throw AccountError.invalid(field: "name", message: "Use at most \(APITokenStore.maximumNameLength) characters.")
        }
        if let days, !(1...3650).contains(days) {
            throw AccountError.invalid(field: "expires_days", message: "Enter a number of days from 1 to 3650, or leave it empty.")
        }
        let now = time.now()
        return try await database.write { connection in
            guard let owner = try UserRepository.find(id: userID, on: connection) else { throw AccountError.userNotFound }
            var highest = owner.role
            var latestExpiry: Int64?
            if let caller {
                highest = min(highest, caller.role)
                if case .token(let id, _) = caller.credential {
                    guard let token = try APITokenStore.find(id: id, on: connection), !token.isRevoked, !token.isExpired(now: now) else {
                        throw AccountError.invalid(field: "role", message: "The token making this request is no longer valid.")
                    }
                    highest = min(highest, token.role)
                    latestExpiry = token.expiresMilliseconds
                }
            }
            let role = requested ?? highest
            guard role <= highest else {
                throw AccountError.invalid(
                    field: "role", message: "A token cannot have a higher role than whoever creates it (\(highest.rawValue)).")
            }
            var expires = days.map { now + Int64($0) * 86_400_000 }
            var parameters = ["name": trimmed, "role": role.rawValue]
            if let latestExpiry, expires.map({ $0 > latestExpiry }) ?? true {
                expires = latestExpiry
                parameters["expiry_capped"] = AuditTime.iso(latestExpiry)
            }
            let created = try APITokenStore.create(
                userID: userID, name: trimmed, role: role, expiresMilliseconds: expires, now: now, on: connection)
            parameters["prefix"] = created.token.prefix
            if let days { parameters["expires_days"] = String(days) }
            try AuditLog.append(actor.entry("token.create", target: owner.username, parameters: parameters), on: connection)
            return created
        }
    }
}
