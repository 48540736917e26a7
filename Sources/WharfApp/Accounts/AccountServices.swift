package import WharfSQLite
import WharfTLS

/// The account machinery shared by the web layer and the CLI: the database, password hashing,
/// sessions, the sign-in throttle, the request signer, host grants and the clock.
package struct AccountServices: Sendable {
    package let database: Database
    package let hasher: PasswordHasher
    package let sessions: SessionStore
    package let throttle: SignInThrottle
    /// Bounds the password hashes pending at once, overall and per client.
    package let hashSlots: PasswordHashSlots
    /// Coalesces denials strangers can cause in floods (see ``DenialAudit``).
    package let denials: DenialAudit
    package let signer: RequestSigner
    package let grants: Grants
    package let time: TimeSource
    /// Seals secrets kept in the database (TOTP secrets; host TLS keys use the same key).
    package let secretKey: SecretKey
    /// A hash of a random password with the current parameters: unknown usernames are verified
    /// against it, so they cost the same time as a wrong password.
    package let dummyHash: String

    package init(
        database: Database, hasher: PasswordHasher, sessions: SessionStore, throttle: SignInThrottle,
        signer: RequestSigner, grants: Grants, time: TimeSource, secretKey: SecretKey, dummyHash: String
    ) {
        self.database = database
        self.hasher = hasher
        self.sessions = sessions
        self.throttle = throttle
        self.hashSlots = PasswordHashSlots()
        self.denials = DenialAudit(database: database, time: time)
        self.signer = signer
        self.grants = grants
        self.time = time
        self.secretKey = secretKey
        self.dummyHash = dummyHash
    }

    /// Loads (or creates) the signing key, seals what an earlier version stored in the clear
    /// (TOTP secrets, the signing key; audited as `system.secrets.seal`), and prepares the dummy
    /// hash.
    package static func make(
        database: Database, secretKey: SecretKey, hasher: PasswordHasher = PasswordHasher(),
        policy: SessionPolicy = SessionPolicy(), time: TimeSource = .system,
        throttleLimits: SignInThrottle.Limits = SignInThrottle.Limits(), grants: Grants? = nil
    ) async throws -> AccountServices {
        let now = time.now()
        let key = try await database.write { connection in
            let sealed = try UserRepository.sealClearTOTPSecrets(key: secretKey, on: connection)
            /// One `system.secrets.seal` row per kind of secret start-up had to seal or replace.
            func audit(_ parameters: [String: String], error: String? = nil) throws {
                try AuditLog.append(AuditEntry(
                    action: "system.secrets.seal", outcome: .ok, source: .system, actorName: "wharf",
                    parameters: parameters, error: error, timeMilliseconds: now), on: connection)
            }
            if sealed > 0 { try audit(["kind": "totp", "sealed": String(sealed)]) }
            let signing = try SecuritySettings.signingKey(now: now, sealedWith: secretKey, on: connection)
            if let change = signing.change, change != .created {
                try audit(
                    ["kind": "signing key", "change": change.rawValue],
                    error: change == .replaced ? "the stored signing key did not open under secret.key; a new one was made" : nil)
            }
            return signing.key
        }
        let dummy = hasher.unmatchableHash()
        return AccountServices(
            database: database, hasher: hasher, sessions: SessionStore(database: database, policy: policy, time: time),
            throttle: SignInThrottle(limits: throttleLimits, time: time), signer: RequestSigner(key: key),
            grants: grants ?? Grants(database: database), time: time, secretKey: secretKey, dummyHash: dummy)
    }

    /// The key recovery codes are stored under (HMAC), derived from ``secretKey``.
    package var recoveryCodeKey: [UInt8] { secretKey.derivedKey(for: RecoveryCodes.keyPurpose) }

    /// The audit history, for rows that stand alone (denials, failures).
    package var audit: AuditLog { AuditLog(database: database) }

    /// Whether every user must have a second factor.
    package func requireTOTP() async throws -> Bool {
        try await database.read { connection in try SecuritySettings.requireTOTP(on: connection) }
    }
}
