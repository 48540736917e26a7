import Dispatch
import Foundation
import Testing
import WharfSQLite

@Suite(.timeLimit(.minutes(2))) struct DatabaseTests {
    @Test func configuresWALForeignKeysSynchronousAndBusyTimeout() async throws {
        try await withTemporaryDatabase(Database.Configuration(busyTimeout: .milliseconds(1234))) { database in
            let writer = try await database.writeWithoutTransaction { connection in
                [
                    try connection.queryValue("PRAGMA journal_mode", as: String.self),
                    try connection.queryValue("PRAGMA foreign_keys", as: Int.self).map(String.init),
                    try connection.queryValue("PRAGMA busy_timeout", as: Int.self).map(String.init),
                    try connection.queryValue("PRAGMA synchronous", as: Int.self).map(String.init),
                ]
            }
            #expect(writer == ["wal", "1", "1234", "1"])  // synchronous 1 is NORMAL
            let reader = try await database.read { connection in
                [
                    try connection.queryValue("PRAGMA journal_mode", as: String.self),
                    try connection.queryValue("PRAGMA foreign_keys", as: Int.self).map(String.init),
                    try connection.queryValue("PRAGMA busy_timeout", as: Int.self).map(String.init),
                ]
            }
            #expect(reader == ["wal", "1", "1234"])
        }
    }

    private enum Tag: ConnectionValueKey { typealias Value = String }

    /// `Configuration.prepare` runs on the writer and on every reader, and what it attaches is
    /// there in each operation (and in no file).
    @Test func preparedValuesReachEveryConnection() async throws {
        let database = try await Database.temporary(configuration: .init(readerCount: 2, prepare: { connection in
            connection[Tag.self] = connection.mode == .readOnly ? "reader" : "writer"
        }))
        #expect(try await database.write { connection in connection[Tag.self] } == "writer")
        #expect(try await database.read { connection in connection[Tag.self] } == "reader")
        let unset = try SQLiteConnection(path: ":memory:")
        #expect(unset[Tag.self] == nil)
        await database.close()
    }

    /// ``DatabaseChanges``: the stamp stays while nothing is committed, reads included, and moves
    /// with every commit, this database's own and another's on the same file (another process).
    @Test func changesMoveWithEveryCommitFromAnyConnection() async throws {
        try await withTemporaryDatabase { database in
            try await database.write { try $0.execute("CREATE TABLE t (x)") }
            let first = try #require(database.changes.stamp())
            _ = try await database.read { try $0.queryValue("SELECT count(*) FROM t", as: Int.self) }
            #expect(database.changes.stamp() == first, "a read is not a change")
            try await database.write { try $0.execute("INSERT INTO t VALUES (1)") }
            let second = try #require(database.changes.stamp())
            #expect(second != first)
            #expect(database.changes.stamp() == second)
            let other = try await Database.open(path: database.path)
            try await other.write { try $0.execute("INSERT INTO t VALUES (2)") }
            let moved = try #require(database.changes.look())
            #expect(moved.stamp != second && moved.changed, "a commit on another connection to the file")
            #expect(database.changes.look()?.changed == true, "not settled yet: the commit may still be becoming visible")
            try await Task.sleep(for: DatabaseChanges.settleTime + .milliseconds(5))
            #expect(database.changes.look() == .init(stamp: moved.stamp, changed: false), "settled, nothing since")
            await other.close()
        }
    }

    @Test func enforcesForeignKeys() async throws {
        try await withTemporaryDatabase { database in
            try await database.write { connection in
                try connection.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
                try connection.execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent(id))")
            }
            await #expect(throws: SQLiteError.self) {
                try await database.write { try $0.execute("INSERT INTO child VALUES (42)") }
            }
        }
    }

    @Test func createsTheFileReadableByItsOwnerOnly() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("wharf.sqlite").path
            let database = try await Database.open(path: path)
            try await database.write { try $0.execute("CREATE TABLE t (x)") }
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            await database.close()
            // close() checkpoints, and the last connection to close removes the WAL.
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        }
    }

    @Test func readersSeeCommittedWritesAndCannotWrite() async throws {
        try await withTemporaryDatabase { database in
            try await database.write { connection in
                try connection.execute("CREATE TABLE t (x INTEGER)")
                try connection.execute("INSERT INTO t VALUES (?)", [7])
            }
            #expect(try await database.read { try $0.queryValue("SELECT x FROM t", as: Int.self) } == 7)
            let error = await #expect(throws: SQLiteError.self) {
                try await database.read { try $0.execute("INSERT INTO t VALUES (8)") }
            }
            #expect(error.map { SQLiteError.readonly ~= $0 } == true)
        }
    }

    @Test func aReadSeesOneSnapshotWhileWritesCommit() async throws {
        try await withTemporaryDatabase { database in
            try await database.write { connection in
                try connection.execute("CREATE TABLE t (x INTEGER)")
                try connection.execute("INSERT INTO t VALUES (1)")
            }
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let writeDone = DispatchSemaphore(value: 0)
            async let counts = database.read { connection -> [Int?] in
                let before = try connection.queryValue("SELECT count(*) FROM t", as: Int.self)
                startedContinuation.yield()
                // Blocks only this reader's own queue thread, never the cooperative pool.
                _ = writeDone.wait(timeout: .now() + 30)
                let after = try connection.queryValue("SELECT count(*) FROM t", as: Int.self)
                return [before, after]
            }
            for await _ in started { break }
            try await database.write { try $0.execute("INSERT INTO t VALUES (2)") }
            writeDone.signal()
            #expect(try await counts == [1, 1])
            #expect(try await database.read { try $0.queryValue("SELECT count(*) FROM t", as: Int.self) } == 2)
        }
    }

    @Test func moreReadsThanReadersWaitTheirTurn() async throws {
        try await withTemporaryDatabase(Database.Configuration(readerCount: 2)) { database in
            let sum = try await withThrowingTaskGroup(of: Int.self) { group in
                for value in 1...50 {
                    group.addTask {
                        try await database.read { try $0.queryValue("SELECT ?", [.integer(Int64(value))], as: Int.self) ?? 0 }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(sum == 1275)
        }
    }

    /// `readNow` runs on the calling thread while a reader is idle, sees committed writes, is
    /// read-only like `read`, and waits its turn (on the reader's queue) when every reader is busy.
    @Test func readNowRunsOnTheCallersThreadWhenAReaderIsIdle() async throws {
        try await withTemporaryDatabase(Database.Configuration(readerCount: 1)) { database in
            try await database.write { connection in
                try connection.execute("CREATE TABLE t (x INTEGER)")
                try connection.execute("INSERT INTO t VALUES (7)")
            }
            let (caller, inside) = try await Self.threadIDs { try await database.readNow { connection in
                (try connection.queryValue("SELECT x FROM t", as: Int.self), Self.threadID())
            } }
            #expect(inside.0 == 7)
            #expect(inside.1 == caller)
            let error = await #expect(throws: SQLiteError.self) {
                try await database.readNow { try $0.execute("INSERT INTO t VALUES (8)") }
            }
            #expect(error.map { SQLiteError.readonly ~= $0 } == true)

            // The only reader is busy: readNow waits for it and runs on its queue.
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let release = DispatchSemaphore(value: 0)
            async let held = database.read { connection -> Int? in
                startedContinuation.yield()
                _ = release.wait(timeout: .now() + 30)
                return try connection.queryValue("SELECT x FROM t", as: Int.self)
            }
            for await _ in started { break }
            async let waited = database.readNow { connection in try connection.queryValue("SELECT count(*) FROM t", as: Int.self) }
            try await Task.sleep(for: .milliseconds(50))
            release.signal()
            #expect(try await held == 7)
            #expect(try await waited == 1)
        }
    }

    static func threadID() -> UInt { UInt(pthread_self()) }

    /// The calling thread's id and what `body` returned, without a suspension between them.
    static func threadIDs<T>(_ body: () async throws -> T) async rethrows -> (UInt, T) {
        let caller = threadID()
        return (caller, try await body())
    }

    @Test func twoDatabasesOnOneFileWriteConcurrently() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("shared.sqlite").path
            let first = try await Database.open(path: path)
            let second = try await Database.open(path: path)
            try await first.write { connection in
                try connection.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
                try connection.execute("INSERT INTO counter VALUES (0)")
                try connection.execute("CREATE TABLE log (source TEXT NOT NULL)")
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (name, database) in [("first", first), ("second", second)] {
                    for _ in 0..<4 {
                        group.addTask {
                            for _ in 0..<25 {
                                try await database.write { connection in
                                    // Read-modify-write: lost updates would show if the lock were not exclusive.
                                    let n = try connection.queryValue("SELECT n FROM counter", as: Int.self) ?? 0
                                    try connection.execute("UPDATE counter SET n = ?", [.integer(Int64(n + 1))])
                                    try connection.execute("INSERT INTO log VALUES (?)", [.text(name)])
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            for database in [first, second] {
                let (n, firstCount, secondCount) = try await database.read { connection in
                    (
                        try connection.queryValue("SELECT n FROM counter", as: Int.self),
                        try connection.queryValue("SELECT count(*) FROM log WHERE source = 'first'", as: Int.self),
                        try connection.queryValue("SELECT count(*) FROM log WHERE source = 'second'", as: Int.self)
                    )
                }
                #expect(n == 200)
                #expect(firstCount == 100)
                #expect(secondCount == 100)
            }
            await first.close()
            await second.close()
        }
    }

    @Test func anotherProcessWritesWhileTheDatabaseWrites() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("cli.sqlite").path
            let database = try await Database.open(path: path)
            try await database.write { try $0.execute("CREATE TABLE log (source TEXT NOT NULL)") }

            // The sqlite3 shell stands in for a `wharf` subcommand: a separate process, its own locks.
            let script = ".timeout 5000\n"
                + String(repeating: "BEGIN IMMEDIATE; INSERT INTO log VALUES ('cli'); COMMIT;\n", count: 200)
            let input = Pipe()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
            process.arguments = ["-bail", path]
            process.standardInput = input
            let exited = AsyncStream<Int32>.makeStream()
            process.terminationHandler = { exited.continuation.yield($0.terminationStatus) }
            try process.run()
            input.fileHandleForWriting.write(Data(script.utf8))
            try input.fileHandleForWriting.close()

            for _ in 0..<200 {
                try await database.write { try $0.execute("INSERT INTO log VALUES ('server')") }
            }
            var status: Int32 = -1
            for await code in exited.stream {
                status = code
                break
            }
            #expect(status == 0)
            let counts = try await database.read { connection in
                try connection.query("SELECT source, count(*) FROM log GROUP BY source ORDER BY source")
                    .map { "\(try $0.get(0, as: String.self))=\(try $0.get(1, as: Int.self))" }
            }
            #expect(counts == ["cli=200", "server=200"])
            await database.close()
        }
    }

    @Test func aStatementLeftMidwayDoesNotPinTheNextReadsSnapshot() async throws {
        try await withTemporaryDatabase(Database.Configuration(readerCount: 1)) { database in
            try await database.write { connection in
                try connection.execute("CREATE TABLE t (x INTEGER)")
                try connection.execute("INSERT INTO t VALUES (1), (2)")
            }
            try await database.read { connection in
                let statement = try connection.cachedStatement("SELECT x FROM t")
                _ = try statement.step()  // left busy on purpose
            }
            try await database.write { try $0.execute("INSERT INTO t VALUES (3)") }
            let count = try await database.read { try $0.queryValue("SELECT count(*) FROM t", as: Int.self) }
            #expect(count == 3)
        }
    }

    @Test func aWriterHeldPastTheBusyTimeoutFailsWithBusy() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("busy.sqlite").path
            let holder = try await Database.open(path: path)
            let other = try await Database.open(path: path, configuration: Database.Configuration(busyTimeout: .milliseconds(100)))
            try await holder.write { try $0.execute("CREATE TABLE t (x)") }
            let (locked, lockedContinuation) = AsyncStream<Void>.makeStream()
            let release = DispatchSemaphore(value: 0)
            async let held: Void = holder.write { connection in
                try connection.execute("INSERT INTO t VALUES (1)")
                lockedContinuation.yield()
                _ = release.wait(timeout: .now() + 30)
            }
            for await _ in locked { break }
            let error = await #expect(throws: SQLiteError.self) {
                try await other.write { try $0.execute("INSERT INTO t VALUES (2)") }
            }
            #expect(error.map { SQLiteError.busy ~= $0 } == true)
            release.signal()
            try await held
            try await other.write { try $0.execute("INSERT INTO t VALUES (2)") }
            #expect(try await other.read { try $0.queryValue("SELECT count(*) FROM t", as: Int.self) } == 2)
            await holder.close()
            await other.close()
        }
    }

    @Test func operationsAfterCloseFail() async throws {
        let database = try await Database.temporary()
        let path = database.path
        #expect(FileManager.default.fileExists(atPath: path))
        await database.close()
        await database.close()
        let write = await #expect(throws: SQLiteError.self) { try await database.write { _ in } }
        #expect(write.map { SQLiteError.misuse ~= $0 } == true)
        await #expect(throws: SQLiteError.self) { try await database.read { _ in } }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
