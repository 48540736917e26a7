import FoundationEssentials
import Glibc
import Testing
import WharfApp
import WharfIO
import WharfTestSupport

/// `wharf backup` while the server runs and writes, and `wharf restore` into a new data
/// directory: everything acknowledged before the backup began comes back, and sessions, tokens,
/// hosts and sealed keys work there. Then each reason restore refuses.
@Suite struct BackupRestoreTests {
    static func wharf(_ arguments: [String], data: String, input: [UInt8]? = nil) async throws -> (status: Int32?, out: String, err: String) {
        try await AuditCommandTests.wharf(arguments, data: data, input: input)
    }

    static func exchange(_ address: SocketAddress, _ method: String, _ target: String, headers: [(String, String)] = [],
                         body: String? = nil) async throws -> RawHTTPResponse {
        let client = try await RawHTTPClient.connect(to: address)
        defer { Task { await client.close() } }
        var all = headers
        if body != nil { all.append(("Content-Type", "application/x-www-form-urlencoded")) }
        try await client.send(Wire.request(method, target, headers: all, body: body.map { Array($0.utf8) }))
        return try await client.readResponse()
    }

    /// Signs in over the socket; returns the session cookie (`wharf_session=…`).
    static func signIn(_ address: SocketAddress) async throws -> String {
        let page = try await exchange(address, "GET", "/signin")
        let pre = try #require(page.headers.first { $0.name == "Set-Cookie" }?.value.split(separator: ";").first.map(String.init))
        let csrf = try #require(TestBrowser.attribute(after: #"name="csrf" value=""#, in: String(decoding: page.body, as: UTF8.self)))
        let done = try await exchange(address, "POST", "/signin", headers: [("Cookie", pre), ("Origin", "http://localhost")],
                                      body: "csrf=\(csrf)&username=ada&password=a+long+enough+password")
        #expect(done.status == 303)
        let session = try #require(done.headers.first { $0.name == "Set-Cookie" && $0.value.hasPrefix("wharf_session=") }?.value)
        return String(session.split(separator: ";")[0])
    }

    @Test func aBackupDuringABurstOfWritesRestoresEverythingAcknowledgedBeforeIt() async throws {
        guard let fleet = HostFleet.load() else { return }
        let source = try ApplicationHarness.temporaryDirectory()
        let target = try ApplicationHarness.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: source)
            try? FileManager.default.removeItem(atPath: target)
        }
        let backup = source + "-backup.db"
        defer { unlink(backup) }
        #expect(try await Self.wharf(["user", "create", "--username", "ada", "--role", "admin"], data: source,
                                     input: AuditCommandTests.password).status == 0)
        let token = try await Self.wharf(["token", "create", "--username", "ada", "--name", "burst"], data: source)
        let secret = token.out.filter { !$0.isWhitespace }
        // A host whose client key is sealed under secret.key: engine B wants mutual TLS.
        let added = try await Self.wharf(["host", "add", "--name", "b", "--url", fleet.engineB, "--tls-ca", fleet.caPath,
                                          "--tls-cert", fleet.certPath, "--tls-key", fleet.keyPath], data: source)
        #expect(added.status == 0, "\(added.err)")
        let (server, address) = try await AuditCommandTests.serve(source)
        let session = try await Self.signIn(address)
        // Tokens are made from a browser session (an API token cannot change the account).
        let browser = try await LoopbackSession.signIn(address, "ada", "a long enough password")

        // Four clients create tokens (each an audited write) while the backup runs.
        let acknowledged = Locked<[(name: String, at: UInt64)]>([])
        let backupStarted = Locked<UInt64?>(nil)
        let backupDone = Locked(false)
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<4 {
                group.addTask {
                    for index in 0..<100_000 {
                        if backupDone.withLock({ $0 }) { return }
                        let name = "burst-\(client)-\(index)"
                        guard let response = try? await browser.post("/profile/tokens", "name=\(name)&role=viewer") else { continue }
                        if (200..<300).contains(response.status) { acknowledged.withLock { $0.append((name, TestClock.now)) } }
                    }
                }
            }
            group.addTask {
                while acknowledged.withLock({ $0.count }) < 30 { try? await Task.sleep(nanoseconds: 2_000_000) }
                backupStarted.withLock { $0 = TestClock.now }
                let result = try? await Self.wharf(["backup", backup], data: source)
                #expect(result?.status == 0, "\(result?.err ?? "")")
                #expect(result?.out.hasPrefix("Backup written to \(backup)") == true)
                #expect(result?.err.contains("does NOT contain the secret key") == true)
                // Writes go on after the backup, so some are acknowledged after it too.
                let after = acknowledged.withLock { $0.count }
                while acknowledged.withLock({ $0.count }) < after + 10 { try? await Task.sleep(nanoseconds: 2_000_000) }
                backupDone.withLock { $0 = true }
            }
        }
        server.signal(SIGTERM)
        #expect(await server.waitForExit(timeout: 15) == 0)
        let started = try #require(backupStarted.withLock { $0 })
        let before = acknowledged.withLock { $0 }.filter { $0.at < started }.map(\.name)
        #expect(before.count >= 30)
        var info = stat()
        #expect(stat(backup, &info) == 0 && info.st_mode & 0o777 == 0o600)

        // Restore refuses while the source's server runs; then into a new directory it works.
        let restored = try await Self.wharf(["restore", backup, "--data-dir", target, "--secret-key", source + "/secret.key"], data: target)
        #expect(restored.status == 0, "\(restored.err)")
        #expect(restored.out.contains("audit chain intact"), "\(restored.out)")
        let (again, newAddress) = try await AuditCommandTests.serve(target)
        defer { again.signal(SIGKILL) }
        #expect(try await AuditCommandTests.sqlite3(target + "/wharf.db", "PRAGMA integrity_check") == "ok\n")
        let verify = try await Self.wharf(["audit", "verify"], data: target)
        #expect(verify.status == 0, "\(verify.err)")
        let rows = try await AuditCommandTests.sqlite3(
            target + "/wharf.db", "SELECT json_extract(parameters, '$.name') FROM audit_log WHERE action = 'token.create'")
        let recorded = Set(rows.split(separator: "\n").map(String.init))
        for name in before { #expect(recorded.contains(name), "\(name) was acknowledged before the backup began but is missing") }
        let actions = try await AuditCommandTests.sqlite3(target + "/wharf.db", "SELECT action FROM audit_log WHERE action LIKE 'backup.%' ORDER BY id")
        #expect(actions == "backup.create\nbackup.restore\n")

        // The session, the token, the host and its sealed client key all work in the restored copy.
        #expect(try await Self.exchange(newAddress, "GET", "/", headers: [("Cookie", session)]).status == 200)
        let me = try await Self.exchange(newAddress, "GET", "/api/v1/me", headers: [("Authorization", "Bearer \(secret)")])
        #expect(me.status == 200 && String(decoding: me.body, as: UTF8.self).contains("\"ada\""))
        let test = try await Self.wharf(["host", "test", "b"], data: target)
        #expect(test.status == 0, "the restored host's sealed TLS key must open: \(test.out) \(test.err)")
        again.signal(SIGTERM)
        #expect(await again.waitForExit(timeout: 15) == 0)
    }

    @Test func restoreRefusesWhatItCannotTrustAndChangesNothing() async throws {
        let source = try ApplicationHarness.temporaryDirectory()
        let target = try ApplicationHarness.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: source)
            try? FileManager.default.removeItem(atPath: target)
        }
        #expect(try await Self.wharf(["user", "create", "--username", "ada", "--role", "admin"], data: source,
                                     input: AuditCommandTests.password).status == 0)
        let backup = source + "/copy.db"
        #expect(try await Self.wharf(["backup", backup], data: source).status == 0)
        #expect(try await Self.wharf(["backup", backup], data: source).status == 1, "an existing file is never overwritten")
        let key = source + "/secret.key"
        func restore(_ file: String, _ extra: [String] = []) async throws -> (status: Int32?, out: String, err: String) {
            try await Self.wharf(["restore", file, "--data-dir", target, "--secret-key", key] + extra, data: target)
        }
        func tampered(_ sql: String) async throws -> String {
            let copy = source + "/tampered-\(UUID().uuidString).db"
            _ = try await AuditCommandTests.sqlite3(backup, ".backup '\(copy)'")
            _ = try await AuditCommandTests.sqlite3(copy, sql)
            return copy
        }

        // A running server holds its directory.
        let (server, _) = try await AuditCommandTests.serve(target)
        let running = try await restore(backup)
        #expect(running.status == 1 && running.err.contains("another Wharf server is running"), "\(running.err)")
        server.signal(SIGTERM)
        #expect(await server.waitForExit(timeout: 15) == 0)
        // The directory now has a database: only with --replace.
        let existing = try await restore(backup)
        #expect(existing.status == 1 && existing.err.contains("--replace"), "\(existing.err)")

        let newer = try await tampered("INSERT INTO schema_migrations VALUES (999, 'from_the_future', 'x', '2099-01-01')")
        let refusedNewer = try await restore(newer, ["--replace"])
        #expect(refusedNewer.status == 1 && refusedNewer.err.contains("made by a newer Wharf (database schema 999"), "\(refusedNewer.err)")
        let broken = try await tampered("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET target = 'x' WHERE id = 1")
        let refusedBroken = try await restore(broken, ["--replace"])
        #expect(refusedBroken.status == 1 && refusedBroken.err.contains("audit chain is broken"), "\(refusedBroken.err)")
        let garbage = source + "/garbage.db"
        #expect(FileManager.default.createFile(atPath: garbage, contents: Data("not a database".utf8)))
        #expect(try await restore(garbage, ["--replace"]).status == 1)
        let otherKey = target + "/other.key"
        #expect(FileManager.default.createFile(atPath: otherKey, contents: Data((0..<32).map { _ in UInt8.random(in: 0...255) }),
                                               attributes: [.posixPermissions: 0o600]))
        let wrongKey = try await Self.wharf(["restore", backup, "--data-dir", target, "--secret-key", otherKey, "--replace"], data: target)
        #expect(wrongKey.status == 1 && wrongKey.err.contains("does not open this backup's secrets"), "\(wrongKey.err)")
        // Nothing was touched by the refusals: the directory's own database is still there, alone.
        let names = try FileManager.default.contentsOfDirectory(atPath: target)
        #expect(!names.contains { $0.hasPrefix("replaced-") || $0.hasPrefix(".restore") }, "\(names)")

        let replaced = try await restore(backup, ["--replace"])
        #expect(replaced.status == 0, "\(replaced.err)")
        #expect(replaced.out.contains("moved to \(target)/replaced-"), "\(replaced.out)")
        #expect(try await AuditCommandTests.sqlite3(target + "/wharf.db", "SELECT username FROM users") == "ada\n")
    }
}
