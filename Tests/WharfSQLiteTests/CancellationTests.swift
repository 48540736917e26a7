import Dispatch
import Testing
import WharfSQLite

/// Counts to a billion: minutes of work unless interrupted.
private let longQuery = """
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000)
    SELECT count(*) FROM c
    """

@Suite(.timeLimit(.minutes(2))) struct CancellationTests {
    @Test func cancellingAReadInterruptsItsQuery() async throws {
        try await withTemporaryDatabase(Database.Configuration(readerCount: 1)) { database in
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let task = Task {
                try await database.read { connection in
                    startedContinuation.yield()
                    return try connection.queryValue(longQuery, as: Int.self)
                }
            }
            for await _ in started { break }
            let clock = ContinuousClock()
            let start = clock.now
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            #expect(clock.now - start < .seconds(5))
            // The single reader is free and no longer interrupted.
            let after = try await database.read { try $0.queryValue("SELECT 1", as: Int.self) }
            #expect(after == 1)
        }
    }

    @Test func cancellingAWriteInterruptsAndRollsBack() async throws {
        try await withTemporaryDatabase { database in
            try await database.write { try $0.execute("CREATE TABLE t (x INTEGER)") }
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let task = Task {
                try await database.write { connection in
                    try connection.execute("INSERT INTO t VALUES (1)")
                    startedContinuation.yield()
                    _ = try connection.queryValue(longQuery, as: Int.self)
                    try connection.execute("INSERT INTO t VALUES (2)")
                }
            }
            for await _ in started { break }
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            try await database.write { try $0.execute("INSERT INTO t VALUES (3)") }
            let values = try await database.read { connection in
                try connection.query("SELECT x FROM t").map { try $0.get(0, as: Int.self) }
            }
            #expect(values == [3])
        }
    }

    @Test func cancellationAtAnyMomentStopsTheOperation() async throws {
        // Cancel at once, racing the hop to the connection's queue and the start of sqlite3_step.
        try await withTemporaryDatabase(Database.Configuration(readerCount: 1)) { database in
            for _ in 0..<50 {
                let task = Task { try await database.read { try $0.queryValue(longQuery, as: Int.self) } }
                task.cancel()
                await #expect(throws: CancellationError.self) { try await task.value }
            }
            let after = try await database.read { try $0.queryValue("SELECT 2", as: Int.self) }
            #expect(after == 2)
        }
    }

    @Test func aTaskCancelledWhileWaitingForAReaderStopsWaiting() async throws {
        try await withTemporaryDatabase(Database.Configuration(readerCount: 1)) { database in
            let (busy, busyContinuation) = AsyncStream<Void>.makeStream()
            let release = DispatchSemaphore(value: 0)
            async let holder: Int? = database.read { connection in
                busyContinuation.yield()
                _ = release.wait(timeout: .now() + 30)
                return try connection.queryValue("SELECT 1", as: Int.self)
            }
            for await _ in busy { break }
            let waiter = Task { try await database.read { _ in "ran" } }
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            release.signal()
            let held = try await holder
            let after = try await database.read { _ in "ran" }
            #expect(held == 1 && after == "ran")
        }
    }

    @Test func cancellingOneWaiterDoesNotInterruptTheRunningOperation() async throws {
        try await withTemporaryDatabase { database in
            try await database.write { try $0.execute("CREATE TABLE t (x INTEGER)") }
            let (running, runningContinuation) = AsyncStream<Void>.makeStream()
            let release = DispatchSemaphore(value: 0)
            async let first: Void = database.write { connection in
                runningContinuation.yield()
                _ = release.wait(timeout: .now() + 30)
                try connection.execute("INSERT INTO t VALUES (1)")
            }
            for await _ in running { break }
            // Queued behind `first` on the writer; cancelling it must not interrupt `first`.
            let queued = Task { try await database.write { try $0.execute("INSERT INTO t VALUES (2)") } }
            queued.cancel()
            release.signal()
            try await first
            await #expect(throws: CancellationError.self) { try await queued.value }
            #expect(try await database.read { try $0.queryValue("SELECT group_concat(x) FROM t", as: String.self) } == "1")
        }
    }
}
