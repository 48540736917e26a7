package import WharfSQLite

/// SQL for `hosts` and the host side of `host_grants`. Every function runs on the connection it is
/// given, so ``HostRegistry`` composes them with the audit row in one write transaction.
package enum HostRepository {
    package static func all(on connection: SQLiteConnection) throws -> [DockerHost] {
        try connection.query("SELECT \(DockerHost.columns) FROM hosts ORDER BY name COLLATE NOCASE").map(DockerHost.init(row:))
    }

    /// The hosts `userID` holds a grant on, by name.
    package static func granted(to userID: Int64, on connection: SQLiteConnection) throws -> [DockerHost] {
        try connection.query(
            """
            SELECT \(DockerHost.columns) FROM hosts WHERE id IN (SELECT host_id FROM host_grants WHERE user_id = ?)
            ORDER BY name COLLATE NOCASE
            """, [.integer(userID)]).map(DockerHost.init(row:))
    }

    package static func find(id: Int64, on connection: SQLiteConnection) throws -> DockerHost? {
        try connection.querySingle("SELECT \(DockerHost.columns) FROM hosts WHERE id = ?", [.integer(id)]).map(DockerHost.init(row:))
    }

    package static func find(name: String, on connection: SQLiteConnection) throws -> DockerHost? {
        try connection.querySingle("SELECT \(DockerHost.columns) FROM hosts WHERE name = ?", [.text(name)]).map(DockerHost.init(row:))
    }

    /// A route's `:host` value: a numeric id first, else a name (any case).
    package static func find(reference: String, on connection: SQLiteConnection) throws -> DockerHost? {
        if let id = Int64(reference), let host = try find(id: id, on: connection) { return host }
        return try find(name: reference, on: connection)
    }

    package static func count(on connection: SQLiteConnection) throws -> Int {
        try connection.queryValue("SELECT count(*) FROM hosts", as: Int.self) ?? 0
    }

    /// Inserts a host without TLS identity (the key is sealed under the new id, so it is set after).
    package static func insert(
        name: String, url: String, certificateAuthorityPEM: String?, now: Int64, on connection: SQLiteConnection
    ) throws -> Int64 {
        try connection.execute(
            "INSERT INTO hosts (name, url, tls_ca_pem, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?)",
            [.text(name), .text(url), certificateAuthorityPEM.map(SQLiteValue.text) ?? .null, .integer(now), .integer(now)])
        return connection.lastInsertRowID
    }

    package static func update(
        id: Int64, name: String, url: String, certificateAuthorityPEM: String?, certificatePEM: String?, sealedKey: [UInt8]?,
        now: Int64, on connection: SQLiteConnection
    ) throws {
        try connection.execute(
            """
            UPDATE hosts SET name = ?, url = ?, tls_ca_pem = ?, tls_cert_pem = ?, tls_key_sealed = ?, updated_ms = ?
            WHERE id = ?
            """,
            [
                .text(name), .text(url), certificateAuthorityPEM.map(SQLiteValue.text) ?? .null,
                certificatePEM.map(SQLiteValue.text) ?? .null, sealedKey.map(SQLiteValue.blob) ?? .null,
                .integer(now), .integer(id),
            ])
    }

    package static func delete(id: Int64, on connection: SQLiteConnection) throws {
        try connection.execute("DELETE FROM hosts WHERE id = ?", [.integer(id)])
    }

    /// Operators and viewers with their grant on `hostID` (nil role: none), by username.
    package static func grantees(hostID: Int64, on connection: SQLiteConnection) throws -> [HostGrantee] {
        try connection.query(
            """
            SELECT u.id, u.username, u.role, g.role FROM users u
            LEFT JOIN host_grants g ON g.user_id = u.id AND g.host_id = ?
            WHERE u.role != 'admin' ORDER BY u.username COLLATE NOCASE
            """, [.integer(hostID)]
        ).map { row in
            HostGrantee(
                userID: try row.get(0), username: try row.get(1), userRole: try row.get(2),
                grant: (try row.get(3, as: String?.self)).flatMap(HostRole.init(rawValue:)))
        }
    }
}

/// A non-admin user and the role they hold on one host.
package struct HostGrantee: Sendable, Equatable {
    package var userID: Int64
    package var username: String
    package var userRole: String
    package var grant: HostRole?
}
