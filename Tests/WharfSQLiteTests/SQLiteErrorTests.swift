import Testing
import WharfSQLite

@Suite struct SQLiteErrorTests {
    private static let schema = """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            token TEXT,
            age INTEGER CHECK (age >= 0)
        );
        CREATE TABLE sessions (user_id INTEGER NOT NULL REFERENCES users(id))
        """

    @Test func constraintErrorsMatchByFamilyAndCarrySQLButNotValues() async throws {
        try await withTemporaryConnection { connection in
            try connection.executeScript(Self.schema)
            let secret = "tok_9f8e7d6c5b4a-very-secret"
            let insert = "INSERT INTO users(email, token) VALUES (?, ?)"
            try connection.execute(insert, ["a@example.com", .text(secret)])

            var matchedFamily = false
            do {
                try connection.execute(insert, ["a@example.com", .text(secret)])
            } catch SQLiteError.constraint {
                matchedFamily = true
            }
            #expect(matchedFamily)

            let error = try #require(throws: SQLiteError.self) {
                try connection.execute(insert, ["a@example.com", .text(secret)])
            }
            #expect(error.code == .constraint)
            #expect(error.extendedCode == .constraintUnique)
            #expect(error.sql == insert)
            #expect(error.message.contains("users.email"))
            #expect(!String(describing: error).contains(secret))
            #expect(!String(reflecting: error).contains(secret))
            #expect(!String(describing: error).contains("a@example.com"))
            #expect(String(describing: error).hasPrefix("SQLITE_CONSTRAINT_UNIQUE (2067): UNIQUE constraint failed: users.email"))
        }
    }

    @Test func extendedPatternsMatchOnlyTheirOwnCode() async throws {
        try await withTemporaryConnection { connection in
            try connection.executeScript(Self.schema)
            func failure(_ sql: String, _ arguments: [SQLiteValue]) throws -> SQLiteError {
                try #require(throws: SQLiteError.self) { try connection.execute(sql, arguments) }
            }
            let notNull = try failure("INSERT INTO users(email) VALUES (?)", [nil])
            let check = try failure("INSERT INTO users(email, age) VALUES (?, ?)", ["b@example.com", -1])
            let foreignKey = try failure("INSERT INTO sessions(user_id) VALUES (?)", [999])

            #expect(SQLiteError.constraintNotNull ~= notNull)
            #expect(SQLiteError.constraintCheck ~= check)
            #expect(SQLiteError.constraintForeignKey ~= foreignKey)
            #expect(!(SQLiteError.constraintUnique ~= notNull))
            for error in [notNull, check, foreignKey] {
                #expect(SQLiteError.constraint ~= error)
                #expect(!(SQLiteError.busy ~= error))
            }
            switch foreignKey {
            case SQLiteError.constraintUnique: Issue.record("a foreign key error matched UNIQUE")
            case SQLiteError.constraint: break
            default: Issue.record("a foreign key error did not match its family")
            }
        }
    }

    @Test func syntaxErrorsAndMissingTablesCarryTheSQL() async throws {
        try await withTemporaryConnection { connection in
            let error = expectSQLiteError(.error) { try connection.execute("SELEC 1") }
            #expect(error?.sql == "SELEC 1")
            #expect(error?.message.contains("syntax error") == true)
            let missing = expectSQLiteError(.error) { _ = try connection.query("SELECT * FROM nowhere") }
            #expect(missing?.message == "no such table: nowhere")
        }
    }

    @Test func doubleQuotedStringsAreIdentifiersOnly() async throws {
        try await withTemporaryConnection { connection in
            // With SQLITE_DBCONFIG_DQS_DML off, "x" is a column name, never a string literal.
            expectSQLiteError(.error) { _ = try connection.query("SELECT \"not a column\"") }
        }
    }

    @Test func opensFailWithCannotOpen() throws {
        let error = try #require(throws: SQLiteError.self) {
            _ = try SQLiteConnection(path: "/nonexistent-directory-for-wharf/db.sqlite")
        }
        #expect(SQLiteError.cannotOpen ~= error)
    }

    @Test func descriptionsNameTheCodeAndFlattenTheSQL() {
        let error = SQLiteError(code: .busy, message: "database is locked", sql: "UPDATE t\n   SET x = ?\n WHERE id = ?")
        #expect(error.description == "SQLITE_BUSY (5): database is locked [SQL: UPDATE t SET x = ? WHERE id = ?]")
        #expect(SQLiteError.Code(rawValue: 10 | (4 << 8)).description == "SQLITE_IOERR/4 (1034)")
        #expect(SQLiteError.Code.busySnapshot.description == "SQLITE_BUSY_SNAPSHOT (517)")
        #expect(SQLiteError.busy ~= SQLiteError(code: .busySnapshot, message: ""))
    }
}
