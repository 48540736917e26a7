import Foundation
import Testing
import WharfSQLite

/// FNV-1a, hex: any deterministic function will do, the application passes SHA-256.
private func checksum(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    return String(hash, radix: 16)
}

private func migration(_ version: Int, _ name: String, _ sql: String) -> Migration {
    Migration(version: version, name: name, sql: sql, checksum: checksum(Array(sql.utf8)))
}

private let createUsers = migration(
    1, "create_users",
    """
    CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE
    );
    """)
private let createHosts = migration(2, "create_hosts", "CREATE TABLE hosts (id INTEGER PRIMARY KEY, name TEXT NOT NULL);")
private let addHostNote = migration(3, "add_host_note", "ALTER TABLE hosts ADD COLUMN note TEXT;")

private func tables(_ database: Database) async throws -> [String] {
    try await database.read { connection in
        try connection.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").map { try $0.get(0) }
    }
}

private func recordedVersions(_ database: Database) async throws -> [Int] {
    try await database.read { connection in
        try connection.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.get(0) }
    }
}

@Suite(.timeLimit(.minutes(2))) struct MigratorTests {
    @Test func appliesMigrationsInOrderAndRecordsThem() async throws {
        try await withTemporaryDatabase { database in
            let applied = try await Migrator.migrate(database, [createHosts, createUsers])  // any order in
            #expect(applied.map(\.version) == [1, 2])
            #expect(try await tables(database) == ["hosts", "schema_migrations", "sessions", "users"])
            let rows = try await database.read { try $0.query("SELECT * FROM schema_migrations ORDER BY version") }
            #expect(rows.count == 2)
            #expect(try rows[0].get("name", as: String.self) == "create_users")
            #expect(try rows[0].get("checksum", as: String.self) == createUsers.checksum)
            let appliedAt = try rows[1].get("applied_at", as: String.self)
            #expect(appliedAt.count == "2024-01-02T03:04:05.678Z".count && appliedAt.hasSuffix("Z"))
        }
    }

    @Test func reRunningAppliesNothingAndLaterRunsApplyOnlyNewFiles() async throws {
        try await withTemporaryDatabase { database in
            #expect(try await Migrator.migrate(database, [createUsers, createHosts]).count == 2)
            #expect(try await Migrator.migrate(database, [createUsers, createHosts]).isEmpty)
            let applied = try await Migrator.migrate(database, [createUsers, createHosts, addHostNote])
            #expect(applied == [addHostNote])
            #expect(try await recordedVersions(database) == [1, 2, 3])
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        try await withTemporaryDatabase { database in
            let broken = migration(
                2, "broken",
                """
                CREATE TABLE audit_log (id INTEGER PRIMARY KEY);
                INSERT INTO audit_log VALUES (1);
                INSERT INTO no_such_table VALUES (1);
                """)
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator.migrate(database, [createUsers, broken, addHostNote])
            }
            let description = try #require(error).description
            #expect(description.contains("0002_broken.sql"))
            #expect(description.contains("no such table: no_such_table"))
            #expect(try await recordedVersions(database) == [1])
            #expect(!(try await tables(database)).contains("audit_log"))
        }
    }

    @Test func aMigrationCannotEndItsOwnTransaction() async throws {
        try await withTemporaryDatabase { database in
            let sneaky = migration(1, "sneaky", "CREATE TABLE a (x); COMMIT; CREATE TABLE b (x);")
            let error = await #expect(throws: MigrationError.self) { try await Migrator.migrate(database, [sneaky]) }
            let message = try #require(error).description
            #expect(message.contains("must not contain BEGIN, COMMIT"))
            #expect(try await tables(database) == ["schema_migrations"])
        }
    }

    @Test func aMigrationMayRebuildAReferencedTable() async throws {
        try await withTemporaryDatabase { database in
            _ = try await Migrator.migrate(database, [createUsers])
            try await database.write { connection in
                try connection.execute("INSERT INTO users(id, email) VALUES (1, 'a@example.com')")
                try connection.execute("INSERT INTO sessions(user_id) VALUES (1)")
            }
            // SQLite's documented table rebuild; with foreign keys on, DROP TABLE would cascade.
            let rebuild = migration(
                2, "rebuild_users",
                """
                CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL DEFAULT '');
                INSERT INTO users_new(id, email) SELECT id, email FROM users;
                DROP TABLE users;
                ALTER TABLE users_new RENAME TO users;
                """)
            _ = try await Migrator.migrate(database, [createUsers, rebuild])
            #expect(try await database.read { try $0.queryValue("SELECT count(*) FROM sessions", as: Int.self) } == 1)
            let foreignKeys = try await database.writeWithoutTransaction { try $0.queryValue("PRAGMA foreign_keys", as: Int.self) }
            #expect(foreignKeys == 1)
        }
    }

    @Test func aMigrationLeavingDanglingReferencesIsRolledBack() async throws {
        try await withTemporaryDatabase { database in
            let orphan = migration(2, "orphan_session", "INSERT INTO sessions(user_id) VALUES (99);")
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator.migrate(database, [createUsers, orphan])
            }
            let message = try #require(error).description
            #expect(message.contains("0002_orphan_session.sql"))
            #expect(try await database.read { try $0.queryValue("SELECT count(*) FROM sessions", as: Int.self) } == 0)
            #expect(try await recordedVersions(database) == [1])
        }
    }

    @Test func anEditedAppliedMigrationStopsStartUp() async throws {
        try await withTemporaryDatabase { database in
            _ = try await Migrator.migrate(database, [createUsers, createHosts])
            let edited = migration(2, "create_hosts", "CREATE TABLE hosts (id INTEGER PRIMARY KEY, name TEXT);")
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator.migrate(database, [createUsers, edited, addHostNote])
            }
            guard case .checksumMismatch(let version, let name, let recorded, let current) = try #require(error) else {
                Issue.record("expected checksumMismatch, got \(String(describing: error))")
                return
            }
            #expect(version == 2 && name == "create_hosts")
            #expect(recorded == createHosts.checksum && current == edited.checksum)
            let message = try #require(error).description
            #expect(message.contains("0002_create_hosts.sql was edited after it was applied"))
            #expect(message.contains("restore the file"))
            #expect(message.contains("new migration"))
            #expect(try await recordedVersions(database) == [1, 2])  // 0003 was not applied
        }
    }

    @Test func aDatabaseFromNewerCodeStopsStartUp() async throws {
        try await withTemporaryDatabase { database in
            _ = try await Migrator.migrate(database, [createUsers, createHosts, addHostNote])
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator.migrate(database, [createUsers])
            }
            guard case .databaseNewer(let versions, let latestKnown) = try #require(error) else {
                Issue.record("expected databaseNewer, got \(String(describing: error))")
                return
            }
            #expect(versions == [2, 3] && latestKnown == 1)
            let message = try #require(error).description
            #expect(message.contains("migrated by a newer Wharf"))
            #expect(message.contains("restore a backup"))
        }
    }

    @Test func twoProcessesMigratingAtOnceApplyEachMigrationOnce() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("shared.sqlite").path
            let first = try await Database.open(path: path)
            let second = try await Database.open(path: path)
            let all = [createUsers, createHosts, addHostNote]
            async let a = Migrator.migrate(first, all)
            async let b = Migrator.migrate(second, all)
            let applied = try await (a + b).map(\.version).sorted()
            #expect(applied == [1, 2, 3])
            #expect(try await recordedVersions(first) == [1, 2, 3])
            await first.close()
            await second.close()
        }
    }

    @Test(arguments: [
        "1_create.sql", "001_create.sql", "00001_create.sql", "0001-create.sql", "0001_Create.sql", "0001_.sql",
        "0000_zero.sql", "0001_create users.sql", "abcd_create.sql", "0001_create.SQL", "0001_créer.sql",
    ])
    func rejectsMisnamedFiles(_ name: String) throws {
        let error = try #require(throws: MigrationError.self) {
            try Migrator.migrations(files: [(name, Array("SELECT 1;".utf8))], checksum: checksum)
        }
        guard case .invalidFileName(let reported) = error else {
            Issue.record("expected invalidFileName, got \(error)")
            return
        }
        #expect(reported == name)
        #expect(error.description.contains("NNNN_name.sql"))
    }

    @Test func rejectsDuplicateVersionsAndGaps() throws {
        let sql = Array("SELECT 1;".utf8)
        let duplicate = try #require(throws: MigrationError.self) {
            try Migrator.migrations(files: [("0001_a.sql", sql), ("0001_b.sql", sql)], checksum: checksum)
        }
        #expect(duplicate.description.contains("0001_a.sql and 0001_b.sql"))
        let gap = try #require(throws: MigrationError.self) {
            try Migrator.migrations(files: [("0001_a.sql", sql), ("0003_c.sql", sql)], checksum: checksum)
        }
        guard case .missingVersion(2) = gap else {
            Issue.record("expected missingVersion(2), got \(gap)")
            return
        }
        let invalidUTF8 = try #require(throws: MigrationError.self) {
            try Migrator.migrations(files: [("0001_a.sql", [0xff, 0xfe])], checksum: checksum)
        }
        #expect(invalidUTF8.description.contains("UTF-8"))
    }

    @Test func loadsFromADirectory() async throws {
        try await withTemporaryDirectory { directory in
            for (name, text) in [
                ("0002_create_hosts.sql", createHosts.sql), ("0001_create_users.sql", createUsers.sql),
                ("README.md", "not a migration"), (".0003_draft.sql.swp", "editor junk"),
            ] {
                try Data(text.utf8).write(to: directory.appendingPathComponent(name))
            }
            let migrations = try Migrator.load(directory: directory, checksum: checksum)
            #expect(migrations == [createUsers, createHosts])

            try Data("SELECT 1;".utf8).write(to: directory.appendingPathComponent("3_bad.sql"))
            #expect(throws: MigrationError.self) { try Migrator.load(directory: directory, checksum: checksum) }

            let missing = directory.appendingPathComponent("nope")
            let error = try #require(throws: MigrationError.self) { try Migrator.load(directory: missing, checksum: checksum) }
            #expect(error.description.contains(missing.path))
        }
    }
}
