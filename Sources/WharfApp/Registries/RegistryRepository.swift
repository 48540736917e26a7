import WharfSQLite

/// The SQL of `registries`.
enum RegistryRepository {
    static func all(on connection: SQLiteConnection) throws -> [Registry] {
        try connection.query("SELECT \(Registry.columns) FROM registries ORDER BY address").map(Registry.init(row:))
    }

    static func find(id: Int64, on connection: SQLiteConnection) throws -> Registry? {
        try connection.querySingle("SELECT \(Registry.columns) FROM registries WHERE id = ?", [.integer(id)]).map(Registry.init(row:))
    }

    static func find(address: String, on connection: SQLiteConnection) throws -> Registry? {
        try connection.querySingle("SELECT \(Registry.columns) FROM registries WHERE address = ?", [.text(address)]).map(Registry.init(row:))
    }

    /// Inserts a row; its secret is sealed with a label naming the new id, so the caller seals
    /// and stores it with ``update(id:address:username:sealed:now:on:)`` in the same transaction.
    static func insert(address: String, username: String, now: Int64, on connection: SQLiteConnection) throws -> Int64 {
        try connection.execute(
            "INSERT INTO registries (address, username, secret_sealed, created_ms, updated_ms) VALUES (?, ?, x'', ?, ?)",
            [.text(address), .text(username), .integer(now), .integer(now)])
        return connection.lastInsertRowID
    }

    static func update(id: Int64, address: String, username: String, sealed: [UInt8], now: Int64, on connection: SQLiteConnection) throws {
        try connection.execute(
            "UPDATE registries SET address = ?, username = ?, secret_sealed = ?, updated_ms = ? WHERE id = ?",
            [.text(address), .text(username), .blob(sealed), .integer(now), .integer(id)])
    }

    static func delete(id: Int64, on connection: SQLiteConnection) throws {
        try connection.execute("DELETE FROM registries WHERE id = ?", [.integer(id)])
    }
}
