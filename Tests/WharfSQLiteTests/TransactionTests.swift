import Testing
import WharfSQLite

private struct Boom: Error {}

@Suite struct TransactionTests {
    @Test func commitsWhenTheBodyReturns() async throws {
        try await withTemporaryConnection { connection in
            try connection.execute("CREATE TABLE t (x INTEGER)")
            let id = try connection.transaction(.immediate) { connection in
                try connection.execute("INSERT INTO t VALUES (1)")
                return connection.lastInsertRowID
            }
            #expect(id == 1)
            #expect(connection.isAutocommit)
            #expect(try connection.queryValue("SELECT count(*) FROM t", as: Int.self) == 1)
        }
    }

    @Test func rollsBackWhenTheBodyThrows() async throws {
        try await withTemporaryConnection { connection in
            try connection.execute("CREATE TABLE t (x INTEGER)")
            #expect(throws: Boom.self) {
                try connection.transaction(.immediate) { connection in
                    try connection.execute("INSERT INTO t VALUES (1)")
                    throw Boom()
                }
            }
            #expect(connection.isAutocommit)
            #expect(try connection.queryValue("SELECT count(*) FROM t", as: Int.self) == 0)
        }
    }

    @Test func rollsBackWhenAStatementFails() async throws {
        try await withTemporaryConnection { connection in
            try connection.execute("CREATE TABLE t (x INTEGER UNIQUE)")
            expectSQLiteError(.constraint) {
                try connection.transaction(.immediate) { connection in
                    try connection.execute("INSERT INTO t VALUES (1)")
                    try connection.execute("INSERT INTO t VALUES (1)")
                }
            }
            #expect(try connection.queryValue("SELECT count(*) FROM t", as: Int.self) == 0)
        }
    }

    @Test func nestedTransactionsBecomeSavepoints() async throws {
        try await withTemporaryConnection { connection in
            try connection.execute("CREATE TABLE t (x INTEGER)")
            try connection.transaction(.immediate) { connection in
                try connection.execute("INSERT INTO t VALUES (1)")
                #expect(throws: Boom.self) {
                    try connection.transaction { connection in
                        try connection.execute("INSERT INTO t VALUES (2)")
                        throw Boom()
                    }
                }
                #expect(!connection.isAutocommit)
                try connection.transaction { try $0.execute("INSERT INTO t VALUES (3)") }
            }
            let values = try connection.query("SELECT x FROM t ORDER BY x").map { try $0.get(0, as: Int.self) }
            #expect(values == [1, 3])
        }
    }
}
