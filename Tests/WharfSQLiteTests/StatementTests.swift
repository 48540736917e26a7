import Testing
import WharfSQLite

@Suite struct StatementTests {
    @Test func bindsAndReadsEveryStorageClass() async throws {
        try await withTemporaryConnection { connection in
            try connection.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)")
            let blob: [UInt8] = [0, 1, 2, 255, 0]
            try connection.execute(
                "INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.integer(Int64.min), .real(-1.5e300), "héllo", .blob(blob), nil])
            let row = try #require(try connection.querySingle("SELECT i, r, s, b, n FROM t"))
            #expect(row[0] == .integer(Int64.min))
            #expect(row[1] == .real(-1.5e300))
            #expect(row[2] == .text("héllo"))
            #expect(row[3] == .blob(blob))
            #expect(row[4] == .null)
            #expect(try row.get(0, as: Int64.self) == Int64.min)
            #expect(try row.get(1, as: Double.self) == -1.5e300)
            #expect(try row.get("s", as: String.self) == "héllo")
            #expect(try row.get("b", as: [UInt8].self) == blob)
            #expect(try row.get("n", as: String?.self) == nil)
            #expect(row.isNull(4))
        }
    }

    @Test func readsTypedColumnsFromTheStatement() async throws {
        try await withTemporaryConnection { connection in
            let statement = try connection.prepare("SELECT 42, 2.5, 'text', x'0102', NULL")
            #expect(try statement.step())
            #expect(statement.columnCount == 5)
            #expect(statement.int64(at: 0) == 42)
            #expect(statement.int(at: 0) == 42)
            #expect(statement.double(at: 1) == 2.5)
            #expect(statement.string(at: 2) == "text")
            #expect(statement.blob(at: 3) == [1, 2])
            #expect(statement.isNull(at: 4))
            #expect(!statement.isNull(at: 0))
            #expect(try statement.get(4, as: Int?.self) == nil)
            #expect(try statement.get(0, as: Int?.self) == 42)
            #expect(try !statement.step())
        }
    }

    @Test func keepsEmptyBlobsAndEmptyTextDistinctFromNull() async throws {
        try await withTemporaryConnection { connection in
            try connection.execute("CREATE TABLE t (b BLOB, s TEXT)")
            try connection.execute("INSERT INTO t VALUES (?, ?)", [.blob([]), .text("")])
            let row = try #require(try connection.querySingle("SELECT b, s, typeof(b), typeof(s), length(b) FROM t"))
            #expect(row[0] == .blob([]))
            #expect(row[1] == .text(""))
            #expect(row[2] == .text("blob"))
            #expect(row[3] == .text("text"))
            #expect(row[4] == .integer(0))
        }
    }

    @Test(arguments: ["", "ascii", "日本語テキスト", "emoji 🚢⚓️👩‍👩‍👧", "nul\u{0}inside", "e\u{301} vs é"])
    func roundTripsUnicodeText(_ text: String) async throws {
        try await withTemporaryConnection { connection in
            try connection.execute("CREATE TABLE t (s TEXT)")
            try connection.execute("INSERT INTO t VALUES (?)", [.text(text)])
            let stored = try connection.queryValue("SELECT s FROM t", as: String.self)
            #expect(stored == text)
            #expect(Array(try #require(stored).utf8) == Array(text.utf8))
        }
    }

    @Test func bindsSwiftValuesAndLiterals() async throws {
        try await withTemporaryConnection { connection in
            let count = 7
            let flag = true
            let note: String? = nil
            let row = try #require(
                try connection.querySingle(
                    "SELECT ?, ?, ?, ?, ?", [SQLiteValue(count), SQLiteValue(flag), SQLiteValue(note), 1.25, false]))
            #expect(try row.get(0, as: Int.self) == 7)
            #expect(try row.get(1, as: Bool.self) == true)
            #expect(try row.get(2, as: Int?.self) == nil)
            #expect(try row.get(3, as: Double.self) == 1.25)
            #expect(try row.get(4, as: Bool.self) == false)
        }
    }

    @Test func bindsNamedParametersWithOrWithoutPrefix() async throws {
        try await withTemporaryConnection { connection in
            let row = try #require(
                try connection.querySingle("SELECT :a, @b, $c, :a", ["a": 1, "b": "two", "$c": .blob([3])]))
            #expect(row.values == [.integer(1), .text("two"), .blob([3]), .integer(1)])

            let statement = try connection.prepare("SELECT :x + :y")
            try statement.bind(40, named: "x")
            try statement.bind(2, named: ":y")
            #expect(try statement.step())
            #expect(statement.int64(at: 0) == 42)
        }
    }

    @Test func refusesWrongArgumentsInsteadOfBindingNull() async throws {
        try await withTemporaryConnection { connection in
            expectSQLiteError(.range) { try connection.execute("SELECT ?, ?", [1]) }
            expectSQLiteError(.range) { try connection.execute("SELECT ?", [1, 2]) }
            expectSQLiteError(.range) { try connection.execute("SELECT :a, :b", ["a": 1]) }
            expectSQLiteError(.range) { try connection.execute("SELECT :a", ["nope": 1]) }
        }
    }

    @Test func reusesCachedStatementsAndNeverRewindsOneInUse() async throws {
        try await withTemporaryConnection { connection in
            try connection.execute("CREATE TABLE t (x INTEGER)")
            for x in 1...3 { try connection.execute("INSERT INTO t VALUES (?)", [.integer(Int64(x))]) }
            let first = try connection.cachedStatement("SELECT x FROM t ORDER BY x")
            let second = try connection.cachedStatement("SELECT x FROM t ORDER BY x")
            #expect(first === second)

            // A nested query with the same SQL gets its own statement, so the outer loop is not reset.
            var pairs: [[Int]] = []
            try connection.queryEach("SELECT x FROM t ORDER BY x") { outer in
                let inner = try connection.query("SELECT x FROM t ORDER BY x").map { try $0.get(0, as: Int.self) }
                pairs.append([try outer.get(0, as: Int.self)] + inner)
            }
            #expect(pairs == [[1, 1, 2, 3], [2, 1, 2, 3], [3, 1, 2, 3]])
            #expect(try connection.cachedStatement("SELECT x FROM t ORDER BY x") === first)
        }
    }

    @Test func refusesMoreThanOneStatement() async throws {
        try await withTemporaryConnection { connection in
            expectSQLiteError(.misuse) { try connection.execute("SELECT 1; SELECT 2") }
            // Trailing semicolons and comments are not statements.
            try connection.execute("SELECT 1; -- done\n")
        }
    }

    @Test func decodingErrorsNameTheColumnButNotTheValue() async throws {
        try await withTemporaryConnection { connection in
            let row = try #require(try connection.querySingle("SELECT 'hunter2' AS password, NULL AS missing"))
            let error = try #require(throws: RowDecodingError.self) { try row.get("password", as: Int.self) }
            #expect(error.description.contains("password"))
            #expect(!error.description.contains("hunter2"))
            #expect(throws: RowDecodingError.self) { try row.get("missing", as: String.self) }
            #expect(throws: RowDecodingError.self) { try row.get("nope", as: String.self) }
        }
    }

    @Test func reportsRowIDAndChanges() async throws {
        try await withTemporaryConnection { connection in
            try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)")
            try connection.execute("INSERT INTO t(x) VALUES (1)")
            try connection.execute("INSERT INTO t(x) VALUES (1)")
            #expect(connection.lastInsertRowID == 2)
            try connection.execute("UPDATE t SET x = 2")
            #expect(connection.changes == 2)
        }
    }

    @Test func streamsRowsWithQueryEach() async throws {
        try await withTemporaryConnection { connection in
            var total: Int64 = 0
            var count = 0
            try connection.queryEach(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT x FROM c", [10_000]
            ) { row in
                total += try row.get(0, as: Int64.self)
                count += 1
            }
            #expect(count == 10_000)
            #expect(total == 50_005_000)
        }
    }

    @Test func runsScriptsStatementByStatement() async throws {
        try await withTemporaryConnection { connection in
            try connection.executeScript(
                """
                CREATE TABLE a (x INTEGER); -- first
                INSERT INTO a VALUES (1);
                /* trailing comment */
                """)
            #expect(try connection.queryValue("SELECT count(*) FROM a", as: Int.self) == 1)
            let error = try #require(throws: SQLiteError.self) {
                try connection.executeScript("INSERT INTO a VALUES (2); INSERT INTO missing VALUES (3);")
            }
            #expect(error.sql == "INSERT INTO missing VALUES (3)")
        }
    }
}
