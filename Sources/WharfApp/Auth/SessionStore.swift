package import WharfSQLite
import WharfTLS

/// A stored browser session.
package struct SessionRecord: Sendable, Equatable {
    package let id: Int64
    package let userID: Int64
    package let createdMilliseconds: Int64
    package let lastSeenMilliseconds: Int64
    package let clientAddress: String?
    package let userAgent: String?

    static let columns = "s.id, s.user_id, s.created_ms, s.last_seen_ms, s.client_address, s.user_agent"

    init(row: Row) throws {
        id = try row.get(0)
        userID = try row.get(1)
        createdMilliseconds = try row.get(2)
        lastSeenMilliseconds = try row.get(3)
        clientAddress = try row.get(4)
        userAgent = try row.get(5)
    }
}

/// Browser sessions: created at sign-in with a fresh 256-bit id, found by the SHA-256 of that id,
/// ended by sign-out, idle timeout, absolute lifetime, or a privilege change.
package struct SessionStore: Sendable {
    package let database: Database
    package let policy: SessionPolicy
    package let time: TimeSource

    package init(database: Database, policy: SessionPolicy = SessionPolicy(), time: TimeSource = .system) {
        self.database = database
        self.policy = policy
        self.time = time
    }

    /// The stored form of a session id.
    package static func hash(_ rawID: String) -> String { SHA256.hex(Array(rawID.utf8)) }

    /// Creates a session for `userID` on `connection` (inside the caller's transaction) and returns
    /// the raw id for the cookie; it is never stored.
    package static func create(
        userID: Int64, client: ClientInfo, now: Int64, on connection: SQLiteConnection
    ) throws -> (id: Int64, rawID: String) {
        let rawID = SecureRandom.token(byteCount: 32)
        try connection.execute(
            """
            INSERT INTO sessions (token_hash, user_id, created_ms, last_seen_ms, client_address, user_agent)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            [.text(hash(rawID)), .integer(userID), .integer(now), .integer(now), .text(client.address),
             client.userAgent.map { .text(String($0.prefix(256))) } ?? .null])
        return (connection.lastInsertRowID, rawID)
    }

    /// The live session for `rawID` with its user, or nil. An expired session is deleted; a live
    /// one has its `last_seen` moved forward when it is older than the touch interval.
    /// `requireTOTP` is read in the same snapshot, so the middleware needs one read per request.
    package func resolve(rawID: String) async throws -> (session: SessionRecord, user: User, requireTOTP: Bool)? {
        let hash = SessionStore.hash(rawID)
        let found = try await database.readNow { connection -> (SessionRecord, User, Bool)? in
            guard let row = try connection.querySingle(
                "SELECT \(SessionRecord.columns) FROM sessions s WHERE s.token_hash = ?", [.text(hash)]) else { return nil }
            let session = try SessionRecord(row: row)
            guard let user = try UserRepository.find(id: session.userID, on: connection) else { return nil }
            return (session, user, try SecuritySettings.requireTOTP(on: connection))
        }
        guard let (session, user, requireTOTP) = found else { return nil }
        let now = time.now()
        if isExpired(session, now: now) || user.disabled {
            try await database.write { connection in
                try connection.execute("DELETE FROM sessions WHERE id = ?", [.integer(session.id)])
            }
            return nil
        }
        if now - session.lastSeenMilliseconds >= policy.touchIntervalMilliseconds {
            try await database.write { connection in
                try connection.execute(
                    "UPDATE sessions SET last_seen_ms = ? WHERE id = ?", [.integer(now), .integer(session.id)])
            }
        }
        return (session, user, requireTOTP)
    }

    /// Whether the idle timeout or the absolute lifetime has passed.
    package func isExpired(_ session: SessionRecord, now: Int64) -> Bool {
        now - session.lastSeenMilliseconds >= policy.idleTimeoutMilliseconds
            || now - session.createdMilliseconds >= policy.absoluteLifetimeMilliseconds
    }

    /// The user's live sessions, newest first.
    package func list(userID: Int64) async throws -> [SessionRecord] {
        let now = time.now()
        return try await database.read { connection in
            try connection.query(
                "SELECT \(SessionRecord.columns) FROM sessions s WHERE s.user_id = ? ORDER BY s.last_seen_ms DESC",
                [.integer(userID)]).map(SessionRecord.init(row:))
        }.filter { !isExpired($0, now: now) }
    }

    package static func delete(id: Int64, on connection: SQLiteConnection) throws {
        try connection.execute("DELETE FROM sessions WHERE id = ?", [.integer(id)])
    }

    /// Deletes `userID`'s session `id`; returns whether it existed (and was theirs).
    package static func delete(id: Int64, userID: Int64, on connection: SQLiteConnection) throws -> Bool {
        try connection.execute("DELETE FROM sessions WHERE id = ? AND user_id = ?", [.integer(id), .integer(userID)])
        return connection.changes == 1
    }

    /// Ends every session of `userID`, except `keeping` when given. Returns how many ended.
    @discardableResult
    package static func deleteAll(userID: Int64, keeping: Int64? = nil, on connection: SQLiteConnection) throws -> Int {
        try connection.execute(
            "DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?", [.integer(userID), keeping.map { .integer($0) } ?? .null])
        return connection.changes
    }

    /// Removes sessions past their lifetime (run at start-up and now and then).
    package func purgeExpired() async throws {
        let now = time.now()
        try await database.write { [policy] connection in
            try connection.execute(
                "DELETE FROM sessions WHERE last_seen_ms <= ? OR created_ms <= ?",
                [.integer(now - policy.idleTimeoutMilliseconds), .integer(now - policy.absoluteLifetimeMilliseconds)])
        }
    }
}
