import FoundationEssentials
import Testing
import WharfApp
import WharfSQLite
import WharfTestSupport

/// The hash chain: verification, tampering behind Wharf's back (with the `sqlite3` command line,
/// as an attacker with the file would), the append-only triggers, and purge checkpoints.
@Suite struct AuditChainTests {
    /// A database with `count` audit rows (ids 1…count).
    static func chain(_ count: Int) async throws -> Database {
        let database = try await migratedDatabase()
        try await database.write { connection in
            for index in 1...count {
                try AuditLog.append(AuditEntry(
                    action: index % 2 == 0 ? "user.create" : "auth.signin.ok", outcome: .ok, source: .web,
                    actorID: 1, actorName: "ada", target: "target-\(index)", parameters: ["n": String(index)],
                    timeMilliseconds: 1_700_000_000_000 + Int64(index) * 60_000), on: connection)
            }
        }
        return database
    }

    static func verify(_ database: Database, expectHead: AuditHead? = nil) async throws -> Result<AuditVerifier.Summary, AuditVerifier.Break> {
        do {
            return .success(try await database.read { connection in try AuditVerifier.verify(on: connection, expectHead: expectHead) })
        } catch let broken as AuditVerifier.Break {
            return .failure(broken)
        }
    }

    /// Runs `sql` on the database file with the sqlite3 command line.
    static func sqlite3(_ path: String, _ sql: String) async throws {
        let child = try ChildProcess("/usr/bin/sqlite3", [path, sql])
        let status = await child.waitForExit(timeout: 10)
        #expect(status == 0, "sqlite3: \(child.standardError)")
    }

    @Test func anIntactChainVerifies() async throws {
        let database = try await Self.chain(25)
        let summary = try await Self.verify(database).get()
        #expect(summary.verified == 25)
        #expect(summary.headID == 25)
        #expect(summary.description.hasPrefix("25 rows verified"))
        #expect(try await Self.verify(database, expectHead: AuditHead(parsing: summary.headHash)).get().verified == 25)
        guard case .failure(let broken) = try await Self.verify(database, expectHead: AuditHead(parsing: String(repeating: "a", count: 64))) else {
            Issue.record("a wrong expected head verified")
            return
        }
        #expect(broken.id == 25)
        await database.close()
    }

    @Test func anEmptyChainVerifies() async throws {
        let database = try await migratedDatabase()
        #expect(try await Self.verify(database).get().verified == 0)
        await database.close()
    }

    @Test func aChangedFieldIsNamed() async throws {
        let database = try await Self.chain(10)
        try await Self.sqlite3(database.path, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET target = 'someone-else' WHERE id = 6;")
        let broken = try #require(try await Self.verify(database).failure)
        #expect(broken.id == 6)
        #expect(broken.description.hasPrefix("row 6:") && broken.description.contains("changed"), "\(broken)")
        await database.close()
    }

    @Test func aDeletedMiddleRowIsNamed() async throws {
        let database = try await Self.chain(10)
        try await Self.sqlite3(database.path, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 4;")
        let broken = try #require(try await Self.verify(database).failure)
        #expect(broken.id == 4)
        #expect(broken.description.contains("row 4: missing"), "\(broken)")
        await database.close()
    }

    @Test func swappedRowsAreNamed() async throws {
        let database = try await Self.chain(10)
        try await Self.sqlite3(database.path, """
            DROP TRIGGER audit_log_no_update;
            UPDATE audit_log SET id = -1 WHERE id = 3; UPDATE audit_log SET id = 3 WHERE id = 7; UPDATE audit_log SET id = 7 WHERE id = -1;
            """)
        let broken = try #require(try await Self.verify(database).failure)
        #expect(broken.id == 3, "\(broken)")
        await database.close()
    }

    @Test func removedFirstAndLastRowsAreNamed() async throws {
        let database = try await Self.chain(10)
        try await Self.sqlite3(database.path, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 10;")
        let last = try #require(try await Self.verify(database).failure)
        #expect(last.id == 10 && last.description.contains("row 10: missing"), "\(last)")
        try await Self.sqlite3(database.path, "DELETE FROM audit_log WHERE id = 1;")
        let first = try #require(try await Self.verify(database).failure)
        #expect(first.id == 1, "\(first)")
        await database.close()
    }

    @Test func triggersRefuseUpdateAndDelete() async throws {
        let database = try await Self.chain(3)
        for sql in ["UPDATE audit_log SET target = 'x' WHERE id = 2", "DELETE FROM audit_log WHERE id = 2"] {
            await #expect(throws: SQLiteError.self) { try await database.write { connection in try connection.execute(sql) } }
        }
        let count = try await database.read { connection in try connection.queryValue("SELECT count(*) FROM audit_log", as: Int.self) }
        #expect(count == 3)
        #expect(try await Self.verify(database).get().verified == 3)
        await database.close()
    }

    @Test func purgeKeepsTheChainVerifiableAndRecordsItself() async throws {
        let database = try await Self.chain(20)
        let cut: Int64 = 1_700_000_000_000 + 8 * 60_000  // rows 1–7 are older
        let actor = AuditActor(source: .cli, actorName: "cli:test")
        let plan = try await database.write { connection in
            try AuditPurge.purge(before: cut, by: actor, now: 1_800_000_000_000, on: connection)
        }
        #expect(plan.count == 7 && plan.firstID == 1 && plan.lastID == 7)
        let summary = try await Self.verify(database).get()
        #expect(summary.verified == 14)  // rows 8–20 and the purge row
        #expect(summary.checkpointID == 7)
        let purge = try #require(try await database.read { connection in try AuditRepository.record(id: 21, on: connection) })
        #expect(purge.action == "audit.purge")
        #expect(purge.parameters?.contains(#""removed":"7""#) == true)
        // Checkpoints are append-only too, and a second purge continues from the newer one.
        await #expect(throws: SQLiteError.self) {
            try await database.write { connection in try connection.execute("DELETE FROM audit_checkpoints") }
        }
        _ = try await database.write { connection in try AuditPurge.purge(before: Int64.max / 2, by: actor, now: 1_800_000_000_001, on: connection) }
        let after = try await Self.verify(database).get()
        #expect(after.verified == 1 && after.checkpointID == 21)
        await database.close()
    }

    @Test func purgeRefusesToRemoveRowsThatDoNotVerify() async throws {
        let database = try await Self.chain(10)
        try await Self.sqlite3(database.path, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET action = 'x' WHERE id = 2;")
        let actor = AuditActor(source: .cli, actorName: "cli:test")
        await #expect(throws: AuditVerifier.Break.self) {
            try await database.write { connection in try AuditPurge.purge(before: Int64.max / 2, by: actor, now: 0, on: connection) }
        }
        let count = try await database.read { connection in try connection.queryValue("SELECT count(*) FROM audit_log", as: Int.self) }
        #expect(count == 10)
        await database.close()
    }

    /// Issue 10, item 8: someone with write access to `wharf.db` changes a row and re-hashes it
    /// and every later row with plain SHA-256 (what the chain was before): the keyed chain
    /// (HMAC under a key from `secret.key`, which is not in the database) names the row.
    @Test func aRehashWithPlainSHA256IsDetected() async throws {
        let database = try await Self.chain(10)
        let rows = try await database.read { connection in
            try connection.query("SELECT \(AuditRecord.columns) FROM audit_log ORDER BY id")
        }
        var previous = try rows[4].get(16, as: String.self)
        var sql = "DROP TRIGGER audit_log_no_update;"
        for row in rows[5...] {
            var fields = Array(row.values[0..<15])
            if row.values[0] == .integer(6) { fields[9] = .text("someone-else") }
            let hash = AuditRecordEncoding.hash(previous: previous, fields: fields)
            let id: Int64 = try row.get(0)
            sql += "UPDATE audit_log SET target = '\(id == 6 ? "someone-else" : "target-\(id)")', prev_hash = '\(previous)', hash = '\(hash)' WHERE id = \(id);"
            previous = hash
        }
        try await Self.sqlite3(database.path, sql)
        let broken = try #require(try await Self.verify(database).failure)
        #expect(broken.id == 6, "\(broken)")
        #expect(broken.description.contains("changed"), "\(broken)")
        await database.close()
    }

    /// A purge checkpoint is only believed when its own `audit.purge` row (a keyed row, which
    /// nobody without the key can write) follows it: a checkpoint added by hand to hide a cut of
    /// the oldest rows is named.
    @Test func aCheckpointWithoutItsPurgeRowIsRefused() async throws {
        let database = try await Self.chain(20)
        let hash = try await database.read { connection in
            try connection.queryValue("SELECT hash FROM audit_log WHERE id = 12", as: String.self) ?? ""
        }
        try await Self.sqlite3(database.path, """
            INSERT INTO audit_purge_guard (open) VALUES (1);
            DELETE FROM audit_log WHERE id <= 12;
            DELETE FROM audit_purge_guard;
            INSERT INTO audit_checkpoints (time_ms, before_ms, last_id, last_hash, removed) VALUES (0, 0, 12, '\(hash)', 12);
            """)
        let broken = try #require(try await Self.verify(database).failure)
        #expect(broken.description.contains("audit.purge"), "\(broken)")
        await database.close()
    }

    /// A chain begun before keyed hashing (plain SHA-256 rows, then the migration that marks
    /// where keyed rows start) keeps verifying, and its old rows are still checked.
    @Test func aChainFromBeforeKeyedHashingKeepsVerifying() async throws {
        let database = try await migratedDatabase(through: "audit_covering_indexes_search_batches")
        try await database.write { connection in
            var previous = AuditLog.genesisHash
            for id in 1...5 as ClosedRange<Int64> {
                let entry = AuditEntry(action: "user.create", outcome: .ok, source: .cli, actorName: "cli:old", target: "user\(id)",
                                       timeMilliseconds: 1_700_000_000_000 + id)
                let fields = AuditRecordEncoding.fields(id: id, entry: entry)
                let hash = AuditRecordEncoding.hash(previous: previous, fields: fields)
                try connection.execute("""
                    INSERT INTO audit_log (id, time_ms, actor_id, actor_name, source, client_address, user_agent,
                        action, host_id, target, parameters, outcome, http_status, error, duration_ms, prev_hash, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, fields + [.text(previous), .text(hash)])
                previous = hash
            }
        }
        try await migrateRest(database)
        try await database.write { connection in
            for index in 1...3 {
                try AuditLog.append(AuditEntry(action: "user.create", outcome: .ok, source: .web, target: "new\(index)"), on: connection)
            }
        }
        let summary = try await Self.verify(database).get()
        #expect(summary.verified == 8)
        #expect(summary.description.contains("keyed from row 6"), "\(summary.description)")
        try await Self.sqlite3(database.path, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET target = 'x' WHERE id = 3;")
        #expect(try await Self.verify(database).failure?.id == 3)
        await database.close()
    }

    /// `--expect-head` takes a bare hash (the newest row), `SEQ HASH`, or the server's log line
    /// `wharf: audit head SEQ HASH`; an older head is checked against its row.
    @Test func anOlderHeadFromTheLogIsCheckedAgainstItsRow() async throws {
        let database = try await Self.chain(10)
        let head = try await database.read { connection in try AuditHead.current(on: connection) }
        #expect(head.id == 10)
        try await database.write { connection in
            for index in 1...3 { try AuditLog.append(AuditEntry(action: "user.create", outcome: .ok, source: .web, target: "later\(index)"), on: connection) }
        }
        for line in ["wharf: audit head \(head)", head.description] {
            let expected = try #require(AuditHead(parsing: line))
            #expect(try await Self.verify(database, expectHead: expected).get().verified == 13)
        }
        let wrong = try #require(AuditHead(parsing: "audit head 10 " + String(repeating: "ab", count: 32)))
        #expect(try await Self.verify(database, expectHead: wrong).failure?.id == 10)
        let beyond = try #require(AuditHead(parsing: "audit head 14 \(head.hash)"))
        #expect(try await Self.verify(database, expectHead: beyond).failure != nil)
        #expect(AuditHead(parsing: "not a head") == nil)
        await database.close()
    }

    @Test(arguments: [
        ("2026-11-24", 1_795_478_400_000 as Int64, 1_795_564_800_000 as Int64),
        ("2026-11-24T18:30", 1_795_545_000_000, 1_795_545_060_000),
        ("2026-11-24 18:30:05Z", 1_795_545_005_000, 1_795_545_006_000),
        ("2026-11-24T18:30:05.250Z", 1_795_545_005_250, 1_795_545_005_251),
    ])
    func datesParseAsUTC(text: String, start: Int64, end: Int64) {
        let bound = AuditTime.parse(text)
        #expect(bound?.milliseconds == start)
        #expect(bound?.exclusiveEnd == end)
        #expect(AuditTime.iso(1_795_545_005_250) == "2026-11-24T18:30:05.250Z")
    }

    @Test(arguments: ["", "2026-13-01", "2026-02-30", "2026-11-24T25:00", "yesterday", "2026-11-24T18:30:05.x"])
    func badDatesAreRefused(text: String) {
        #expect(AuditTime.parse(text) == nil)
    }
}

/// The server writes the audit head to its log every `auditHeadInterval` (10 minutes by default).
@Suite struct AuditHeadLogTests {
    @Test func theServerLogsTheHeadPeriodically() async throws {
        let lines = Locked<[String]>([])
        let app = try await TestApp.make(configure: { $0.auditHeadInterval = 0.05 }, log: { line in lines.withLock { $0.append(line) } })
        try await app.user("ada", .admin)
        try app.app.start()
        let deadline = ContinuousClock.now + .seconds(10)
        while lines.withLock({ $0.filter { $0.hasPrefix("audit head 1 ") }.count }) < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let logged = lines.withLock { $0.filter { $0.hasPrefix("audit head ") } }
        #expect(logged.count >= 2, "\(logged)")
        let head = try await app.app.database.read { connection in try AuditHead.current(on: connection) }
        #expect(logged.first == "audit head \(head)")
        await app.shutdown()
    }
}

extension Result {
    var failure: Failure? { if case .failure(let error) = self { error } else { nil } }
}
