package import WharfSQLite

/// A per-host role: what a non-admin user may do on one host.
package enum HostRole: String, Sendable, CaseIterable {
    case viewer, `operator`

    package var rank: Int { self == .operator ? 1 : 0 }
}

/// Per-host grants (user × host → operator | viewer), read when a host-scoped route resolves its
/// host (``HostScope``). Admins need no grant.
package struct Grants: Sendable {
    package let database: Database

    package init(database: Database) {
        self.database = database
    }

    /// The role `user` holds on host `host`, nil when none.
    package func role(user: Int64, host: Int64) async throws -> HostRole? {
        try await database.read { connection in try Grants.role(user: user, host: host, on: connection) }
    }

    package static func role(user: Int64, host: Int64, on connection: SQLiteConnection) throws -> HostRole? {
        let text = try connection.queryValue(
            "SELECT role FROM host_grants WHERE user_id = ? AND host_id = ?", [.integer(user), .integer(host)], as: String.self)
        return text.flatMap(HostRole.init(rawValue:))
    }

    /// Grants `role` on `host` to `user`, replacing any earlier grant; nil removes it.
    package static func set(_ role: HostRole?, user: Int64, host: Int64, on connection: SQLiteConnection) throws {
        if let role {
            try connection.execute(
                """
                INSERT INTO host_grants (user_id, host_id, role) VALUES (?, ?, ?)
                ON CONFLICT (user_id, host_id) DO UPDATE SET role = excluded.role
                """, [.integer(user), .integer(host), .text(role.rawValue)])
        } else {
            try connection.execute("DELETE FROM host_grants WHERE user_id = ? AND host_id = ?", [.integer(user), .integer(host)])
        }
    }
}
