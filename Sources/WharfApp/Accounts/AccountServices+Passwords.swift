import WharfSQLite

/// Checking a password typed by someone (sign-in, and re-authentication before sensitive
/// changes), with the throttle and the bounded hash queue in front of scrypt.
extension AccountServices {
    /// How a password check ended.
    package enum PasswordCheck: Sendable {
        /// The password is `user`'s; the attempt no longer counts as a failure.
        case matched(User, needsRehash: Bool)
        /// Wrong, unknown user, or disabled (the attempt stays counted); `user` when the name exists.
        case failed(User?, reason: String)
        /// Too many failures: wait this many seconds. Nothing was hashed.
        case throttled(Int64)
        /// Too many hashes pending (from this client, or overall): retry after this many seconds.
        case busy(Int64)
    }

    /// Checks `password` for `username`, typed from client address `address`: a hash slot for
    /// the client first (else ``PasswordCheck/busy(_:)``), then the throttle's reservation (else
    /// ``PasswordCheck/throttled(_:)``), then scrypt. Unknown usernames are verified against a
    /// dummy hash, so they take as long as a wrong password.
    package func checkPassword(username: String, password: String, address: String) async throws -> PasswordCheck {
        let client = ClientKey.of(address)
        guard hashSlots.enter(client) else { return .busy(1) }
        defer { hashSlots.leave(client) }
        let ticket: SignInThrottle.Ticket
        switch await throttle.reserve(username: username, client: client) {
        case .wait(let seconds): return .throttled(seconds)
        case .granted(let granted): ticket = granted
        }
        let stored = try await database.read { connection -> (User, String)? in
            guard let user = try UserRepository.find(username: username, on: connection),
                  let hash = try UserRepository.passwordHash(userID: user.id, on: connection) else { return nil }
            return (user, hash)
        }
        let verification = try await hasher.verify(password, against: stored?.1 ?? dummyHash)
        guard let (user, _) = stored, verification.matches, !user.disabled else {
            let reason = stored == nil ? "unknown user" : verification.matches ? "user disabled" : "wrong password"
            return .failed(stored?.0, reason: reason)
        }
        await throttle.succeeded(ticket)
        return .matched(user, needsRehash: verification.needsRehash)
    }
}
