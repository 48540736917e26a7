/// Applies the numbered SQL files of `migrations/` at start-up.
///
/// Each pending migration runs in its own `BEGIN IMMEDIATE` transaction together with its row in
/// `schema_migrations`, so a failure leaves nothing behind. Before anything is applied, every
/// recorded migration must exist in the code with the same checksum; otherwise start-up stops with
/// ``MigrationError/checksumMismatch(version:name:recorded:current:)`` or
/// ``MigrationError/databaseNewer(versions:latestKnown:)``. Several processes may migrate the same
/// file at once: each transaction re-reads the records under the write lock.
///
/// ```swift
/// let migrations = try Migrator.load(directory: migrationsURL, checksum: { SHA256.hex($0) })
/// let applied = try await Migrator.migrate(database, migrations)
/// ```
package enum Migrator {
    static let createTableSQL = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )
        """

    /// Applies the pending `migrations` on the database's writer connection.
    /// - Returns: the migrations applied by this call, in order (empty when up to date).
    /// - Throws: ``MigrationError``, or `SQLiteError` for a failure outside any migration's SQL.
    package static func migrate(_ database: Database, _ migrations: [Migration]) async throws -> [Migration] {
        try await database.writeWithoutTransaction { connection in
            try migrate(connection, migrations)
        }
    }

    /// Applies the pending `migrations` on `connection`, which must not be inside a transaction.
    package static func migrate(_ connection: SQLiteConnection, _ migrations: [Migration]) throws -> [Migration] {
        try checkSequence(migrations.map { ($0.version, $0.fileName) })
        let migrations = migrations.sorted { $0.version < $1.version }
        precondition(connection.isAutocommit, "Migrator.migrate must run outside a transaction")
        try connection.transaction(.immediate) { try $0.execute(createTableSQL) }
        let recorded = try connection.transaction(.deferred) { try records(in: $0) }
        try verify(recorded, against: migrations)

        var applied: [Migration] = []
        for migration in migrations where recorded[migration.version] == nil {
            if try apply(migration, on: connection, all: migrations) {
                applied.append(migration)
            }
        }
        return applied
    }

    /// Runs one migration and records it, unless another process did so first.
    ///
    /// Foreign keys are switched off around the transaction (the pragma is a no-op inside one) so
    /// a migration can rebuild a table as SQLite's ALTER TABLE procedure describes; integrity is
    /// then checked with `PRAGMA foreign_key_check` before committing.
    private static func apply(_ migration: Migration, on connection: SQLiteConnection, all migrations: [Migration]) throws -> Bool {
        try connection.execute("PRAGMA foreign_keys = OFF")
        let outcome = Result { () throws -> Bool in try applyInTransaction(migration, on: connection, all: migrations) }
        // Not `try?` in a defer: the writer must never stay without foreign keys. The request flag
        // of a cancelled operation is held off so this statement still runs.
        try connection.interrupts.suspended { () throws(SQLiteError) in
            try connection.execute("PRAGMA foreign_keys = ON")
        }
        return try outcome.get()
    }

    private static func applyInTransaction(
        _ migration: Migration, on connection: SQLiteConnection, all migrations: [Migration]
    ) throws -> Bool {
        return try connection.transaction(.immediate) { connection in
            let recorded = try records(in: connection)
            try verify(recorded, against: migrations)
            if recorded[migration.version] != nil { return false }

            do {
                try connection.withTransactionStatementsDenied {
                    try connection.executeScript(migration.sql)
                }
            } catch let error as SQLiteError where error.code == .authorization {
                let hint = SQLiteError(
                    code: error.extendedCode,
                    message: "\(error.message): migrations must not contain BEGIN, COMMIT, ROLLBACK or SAVEPOINT; "
                        + "each file already runs in its own transaction",
                    sql: error.sql)
                throw MigrationError.failed(file: migration.fileName, underlying: hint)
            } catch {
                throw MigrationError.failed(file: migration.fileName, underlying: error)
            }
            if let violation = try connection.querySingle("PRAGMA foreign_key_check") {
                throw MigrationError.foreignKeyViolation(
                    file: migration.fileName, table: try violation.get(0, as: String.self),
                    parent: try violation.get(2, as: String.self))
            }
            try connection.execute(
                """
                INSERT INTO schema_migrations(version, name, checksum, applied_at)
                VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                """,
                [.integer(Int64(migration.version)), .text(migration.name), .text(migration.checksum)])
            return true
        }
    }

    private struct Record {
        var name: String
        var checksum: String
    }

    private static func records(in connection: SQLiteConnection) throws -> [Int: Record] {
        var records: [Int: Record] = [:]
        try connection.queryEach("SELECT version, name, checksum FROM schema_migrations ORDER BY version") { row in
            records[try row.get(0, as: Int.self)] = Record(name: try row.get(1), checksum: try row.get(2))
        }
        return records
    }

    /// Refuses a database migrated by newer code, an edited applied file, and a pending migration
    /// older than an applied one.
    private static func verify(_ recorded: [Int: Record], against migrations: [Migration]) throws {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        let unknown = recorded.keys.filter { known[$0] == nil }.sorted()
        if !unknown.isEmpty {
            throw MigrationError.databaseNewer(versions: unknown, latestKnown: migrations.last?.version ?? 0)
        }
        for (version, record) in recorded.sorted(by: { $0.key < $1.key }) {
            guard let migration = known[version], migration.checksum != record.checksum else { continue }
            throw MigrationError.checksumMismatch(
                version: version, name: migration.name, recorded: record.checksum, current: migration.checksum)
        }
        if let latest = recorded.keys.max(),
            let pending = migrations.first(where: { recorded[$0.version] == nil && $0.version < latest })
        {
            throw MigrationError.outOfOrder(pending: pending.fileName, laterApplied: latest)
        }
    }

    /// Versions must be unique and run 1, 2, 3… with no gaps.
    static func checkSequence(_ versions: [(version: Int, file: String)]) throws {
        var seen: [Int: String] = [:]
        for (version, file) in versions {
            if let other = seen[version] {
                throw MigrationError.duplicateVersion(version: version, files: [other, file].sorted())
            }
            seen[version] = file
        }
        if let missing = (1..<(versions.count + 1)).first(where: { seen[$0] == nil }) {
            throw MigrationError.missingVersion(version: missing)
        }
    }
}
