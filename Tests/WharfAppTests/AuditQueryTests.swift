import Testing
import WharfApp
import WharfSQLite

/// Audit pages chosen by index (action and outcome expansion, time ranges as id ranges, the
/// trigram index) give exactly the rows a plain scan gives, at every depth.
@Suite struct AuditQueryTests {
    static let rows = 9000

    /// - Parameter time: each row's time; by default one second after the row before.
    static func database(time: @Sendable (Int) -> Int64 = { 1_000_000 + Int64($0) * 1000 }) async throws -> Database {
        let database = try await migratedDatabase()
        try await database.write { connection in
            for index in 0..<rows {
                // 40 actions under "a." (more than the expansion limit), a few under "b."; a rare
                // target early on, beyond the scan window of the newest rows.
                let action = index % 5 == 0 ? "b.\(index % 3)" : "a.\(index % 40)"
                let target = index == 77 ? "Needle-in-haystack" : index % 2 == 0 ? "web-\(index % 100)" : "50%_off"
                try AuditLog.append(AuditEntry(
                    action: action, outcome: index % 7 == 0 ? .failed : .ok, source: .web, actorName: "user\(index % 3)",
                    hostID: index % 4 == 0 ? nil : Int64(index % 4), target: target,
                    timeMilliseconds: time(index)), on: connection)
            }
        }
        return database
    }

    /// The same selection, written without any index strategy.
    static func naive(_ filter: AuditFilter, before: Int64?, limit: Int, all: [AuditRecord]) -> [Int64] {
        all.filter { row in
            (before.map { row.id < $0 } ?? true)
                && (filter.actor.map { row.actorName?.lowercased() == $0.lowercased() } ?? true)
                && (filter.hostID.map { row.hostID == $0 } ?? true)
                && (filter.actionPrefix.map { row.action.hasPrefix($0) } ?? true)
                && (filter.outcome.map { row.outcome == $0.rawValue } ?? true)
                && (filter.since.map { row.timeMilliseconds >= $0 } ?? true)
                && (filter.until.map { row.timeMilliseconds < $0 } ?? true)
                && (filter.target.map { row.target?.lowercased().contains($0.lowercased()) == true } ?? true)
        }.sorted { $0.id > $1.id }.prefix(limit).map(\.id)
    }

    static let filters = [
        AuditFilter(), AuditFilter(actionPrefix: "a."), AuditFilter(actionPrefix: "b."), AuditFilter(actionPrefix: "b.1"),
        AuditFilter(actionPrefix: "a.1", outcome: .failed), AuditFilter(target: "needle"), AuditFilter(target: "WEB-7"),
        AuditFilter(target: "%_o"), AuditFilter(actor: "USER1", hostID: 2), AuditFilter(since: 3_000_000, until: 3_100_000),
        AuditFilter(actionPrefix: "b.", target: "web-1"), AuditFilter(actionPrefix: "zzz"), AuditFilter(actor: "user2"),
        AuditFilter(actor: "user2", outcome: .failed), AuditFilter(hostID: 3), AuditFilter(hostID: 1, outcome: .denied),
        AuditFilter(actionPrefix: "b.2", outcome: .ok), AuditFilter(until: 5_000_500), AuditFilter(since: 8_500_000),
        AuditFilter(actor: "user0", since: 2_000_000, until: 7_000_000), AuditFilter(until: 4_000_000, target: "web-"),
        AuditFilter(since: 77_000, target: "needle"), AuditFilter(since: 99_000_000), AuditFilter(until: 5),
    ]

    @Test func pagesMatchAPlainScanAtEveryDepth() async throws {
        let database = try await Self.database()
        try await Self.comparePages(database)
        // With planner statistics, SQLite may pick other indexes: the pages stay the same.
        try await database.write { connection in try connection.execute("ANALYZE audit_log") }
        try await Self.comparePages(database)
        await database.close()
    }

    /// Rows whose time steps back (a clock set back) are recorded, and time filters then read
    /// rows by their time rather than as an id range.
    @Test func pagesMatchAPlainScanWhenTheClockSteppedBack() async throws {
        let database = try await Self.database { index in 1_000_000 + Int64(index % 3000) * 3000 + Int64(index / 3000) }
        let steps = try await database.read { connection in try connection.queryValue("SELECT count(*) FROM audit_clock_steps", as: Int.self) }
        #expect(steps == 2)
        try await Self.comparePages(database)
        await database.close()
    }

    /// Statistics are taken once there are enough rows and again when they have doubled; the
    /// plans they lead to give the same pages.
    @Test func plannerStatisticsFollowTheHistorysSize() async throws {
        let database = try await Self.database()
        func refresh() async throws -> Bool {
            try await database.write { connection in try AuditStatistics.refresh(on: connection, minimumRows: 1000) }
        }
        #expect(try await database.write { connection in try AuditStatistics.refresh(on: connection) } == false)
        #expect(try await refresh())
        #expect(try await database.read { connection in try AuditStatistics.analysedRows(on: connection) } == Int64(Self.rows))
        #expect(try await refresh() == false)
        try await database.write { connection in
            for index in 0..<Self.rows {
                try AuditLog.append(AuditEntry(action: "c", outcome: .ok, source: .web, timeMilliseconds: 20_000_000 + Int64(index)), on: connection)
            }
        }
        #expect(try await refresh())
        #expect(try await database.read { connection in try AuditStatistics.analysedRows(on: connection) } == Int64(2 * Self.rows))
        await database.close()
    }

    static func comparePages(_ database: Database) async throws {
        let all = try await database.read { connection in try AuditRepository.page(AuditFilter(), before: nil, limit: 100_000, on: connection) }
        #expect(all.count == Self.rows)
        for filter in filters {
            for before in [nil, 8000, 4000, 100] as [Int64?] {
                let page = try await database.read { connection in try AuditRepository.page(filter, before: before, limit: 50, on: connection) }
                #expect(page.map(\.id) == Self.naive(filter, before: before, limit: 50, all: all), "\(filter) before \(before ?? 0)")
            }
        }
        let expanded = try await database.read { connection in
            try connection.query("SELECT count(DISTINCT action) FROM audit_log WHERE action >= 'b.' AND action < 'b/'")
        }
        #expect(try expanded.first?.get(0, as: Int.self) == 3)
    }

    @Test func exportBatchesWalkEveryMatchingRowOnce() async throws {
        let database = try await Self.database()
        let filter = AuditFilter(actionPrefix: "a.", since: 2_000_000)
        var after: Int64 = 0
        var seen: [Int64] = []
        while true {
            let cursor = after
            let batch = try await database.read { connection in try AuditRepository.batch(filter, after: cursor, through: 8500, limit: 500, on: connection) }
            guard let last = batch.last else { break }
            seen += batch.map(\.id)
            after = last.id
        }
        let all = try await database.read { connection in try AuditRepository.page(AuditFilter(), before: nil, limit: 100_000, on: connection) }
        #expect(seen == Self.naive(filter, before: 8501, limit: 100_000, all: all).reversed())
        await database.close()
    }

    /// The trigram index is filled a batch at a time; a purge that removes rows not yet indexed
    /// leaves it consistent, and searches cover indexed and newer rows alike.
    @Test func searchesCoverRowsNotYetIndexedAndSurviveAPurge() async throws {
        let database = try await migratedDatabase()
        func append(_ range: Range<Int>) async throws {
            try await database.write { connection in
                for index in range {
                    try AuditLog.append(AuditEntry(
                        action: "a", outcome: .ok, source: .web, target: "t-\(index % 10)",
                        timeMilliseconds: 1_000_000 + Int64(index) * 1000), on: connection)
                }
            }
        }
        try await append(0..<100)
        #expect(try await database.read { connection in try AuditLog.searchIndexedThrough(on: connection) } == AuditLog.searchBatch)
        // Rows 1–80 go, 65–80 of them never indexed; the purge row is 101.
        _ = try await database.write { connection in
            try AuditPurge.purge(before: 1_000_000 + 80 * 1000, by: AuditActor(source: .cli, actorName: "cli:test"), now: 2_000_000, on: connection)
        }
        try await append(100..<230)
        let all = try await database.read { connection in try AuditRepository.page(AuditFilter(), before: nil, limit: 1000, on: connection) }
        for before in [nil, 200, 120, 90] as [Int64?] {
            let filter = AuditFilter(target: "T-7")
            let page = try await database.read { connection in try AuditRepository.page(filter, before: before, limit: 5, on: connection) }
            #expect(page.map(\.id) == Self.naive(filter, before: before, limit: 5, all: all))
        }
        try await database.write { connection in
            try AuditLog.indexSearch(through: AuditRepository.lastID(on: connection), on: connection)
            try connection.execute("INSERT INTO audit_target_search (audit_target_search) VALUES ('integrity-check')")
        }
        await database.close()
    }
}
