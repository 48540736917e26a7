import FoundationEssentials
import Glibc
import Testing
import WharfApp
import WharfIO
import WharfTestSupport

/// `wharf audit verify|export|purge` through the built binary, and crash safety: a SIGKILLed
/// server loses no acknowledged audit row and leaves a verifiable chain.
@Suite struct AuditCommandTests {
    static let password = Array("a long enough password\n".utf8)

    /// Runs `wharf` on `data` with `input` on standard input.
    static func wharf(_ arguments: [String], data: String, input: [UInt8]? = nil) async throws -> (status: Int32?, out: String, err: String) {
        let child = try ChildProcess(ServeCommandTests.executable, arguments, environment: [
            "WHARF_DATA_DIR": data, "WHARF_RESOURCES": ApplicationHarness.repositoryRoot,
        ], input: input)
        let status = await child.waitForExit(timeout: 30)
        return (status, child.standardOutput, child.standardError)
    }

    static func sqlite3(_ path: String, _ sql: String) async throws -> String {
        let child = try ChildProcess("/usr/bin/sqlite3", [path, sql])
        #expect(await child.waitForExit(timeout: 10) == 0, "sqlite3: \(child.standardError)")
        return child.standardOutput
    }

    @Test func verifyExportAndPurgeFromTheShell() async throws {
        let data = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(try await Self.wharf(["user", "create", "--username", "ada", "--role", "admin"], data: data, input: Self.password).status == 0)
        #expect(try await Self.wharf(["user", "create", "--username", "=cmd", "--role", "viewer"], data: data, input: Self.password).status == 1)
        let verified = try await Self.wharf(["audit", "verify"], data: data)
        #expect(verified.status == 0)
        #expect(verified.out.hasPrefix("1 rows verified"), "\(verified.out)")

        let csv = try await Self.wharf(["audit", "export", "--format", "csv", "--action", "user."], data: data)
        #expect(csv.status == 0, "\(csv.err)")
        let lines = csv.out.split(separator: "\r\n")
        #expect(lines.count == 2 && lines[1].contains(",user.create,") && lines[1].contains(",cli:"))
        let jsonl = try await Self.wharf(["audit", "export", "--format", "jsonl", "--actor", "nobody"], data: data)
        #expect(jsonl.status == 0 && jsonl.out.isEmpty)

        // Without --yes and without a "yes", nothing is removed.
        let refused = try await Self.wharf(["audit", "purge", "--before", "2999-01-01"], data: data, input: Array("no\n".utf8))
        #expect(refused.status == 1 && refused.err.contains("not confirmed"), "\(refused.err)")
        let confirmed = try await Self.wharf(["audit", "purge", "--before", "2999-01-01"], data: data, input: Array("yes\n".utf8))
        #expect(confirmed.status == 0 && confirmed.out.hasPrefix("Purged 4 audit rows"), "\(confirmed.out) \(confirmed.err)")
        let after = try await Self.wharf(["audit", "verify"], data: data)
        #expect(after.status == 0 && after.out.contains("from the purge checkpoint after row 4"), "\(after.out) \(after.err)")
        let actions = try await Self.sqlite3(data + "/wharf.db", "SELECT action || ':' || source FROM audit_log ORDER BY id")
        #expect(actions == "audit.purge:cli\naudit.verify:cli\n")

        // A row changed behind Wharf's back: exit 1, naming it.
        _ = try await Self.sqlite3(data + "/wharf.db", "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor_name = 'x' WHERE id = 6;")
        let broken = try await Self.wharf(["audit", "verify"], data: data)
        #expect(broken.status == 1)
        #expect(broken.err.contains("row 6:"), "\(broken.err)")
    }

    /// Issue 10, item 8: `wharf audit head` prints `SEQ HASH`; the server writes the head to its
    /// log at shutdown; `wharf audit verify --expect-head` takes either.
    @Test func theHeadIsPrintedAndLoggedAndAnchorsVerification() async throws {
        let data = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(try await Self.wharf(["user", "create", "--username", "ada", "--role", "admin"], data: data, input: Self.password).status == 0)
        let head = try await Self.wharf(["audit", "head"], data: data)
        #expect(head.status == 0, "\(head.err)")
        let printed = String(head.out.filter { $0 != "\n" })
        #expect(printed.wholeMatch(of: /1 [0-9a-f]{64}/) != nil, "\(printed)")
        #expect(try await Self.wharf(["audit", "verify", "--expect-head", printed], data: data).status == 0)

        let (server, _) = try await Self.serve(data)
        server.signal(SIGTERM)
        #expect(await server.waitForExit(timeout: 15) == 0, "\(server.standardError)")
        let line = try #require(server.standardError.split(separator: "\n").last { $0.contains("audit head") }.map(String.init))
        #expect(line.wholeMatch(of: /wharf: audit head [0-9]+ [0-9a-f]{64}/) != nil, "\(line)")
        let verified = try await Self.wharf(["audit", "verify", "--expect-head", line], data: data)
        #expect(verified.status == 0, "\(verified.err)")
        let wrong = try await Self.wharf(["audit", "verify", "--expect-head", "1 " + String(repeating: "0", count: 64)], data: data)
        #expect(wrong.status == 1)
        #expect(try await Self.wharf(["audit", "verify", "--expect-head", "no head here"], data: data).status == 2)
    }

    /// Recovery codes are kept under secret.key now (issue 10, item 7): whoever loses the key
    /// file needs a way back in for users with two-step sign-in.
    @Test func twoStepSignInCanBeRemovedFromTheShell() async throws {
        let data = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(try await Self.wharf(["user", "create", "--username", "ada", "--role", "admin"], data: data, input: Self.password).status == 0)
        _ = try await Self.sqlite3(data + "/wharf.db", "UPDATE users SET totp_secret = x'00112233' WHERE username = 'ada'")
        let removed = try await Self.wharf(["user", "remove-two-step", "ada"], data: data)
        #expect(removed.status == 0 && removed.out.contains("Removed ada's two-step sign-in"), "\(removed.out) \(removed.err)")
        #expect(try await Self.sqlite3(data + "/wharf.db", "SELECT totp_secret IS NULL FROM users WHERE username = 'ada'") == "1\n")
        let again = try await Self.wharf(["user", "remove-two-step", "ada"], data: data)
        #expect(again.status == 0 && again.out.contains("has no two-step sign-in"))
        let actions = try await Self.sqlite3(data + "/wharf.db", "SELECT action FROM audit_log WHERE action = 'user.totp.remove'")
        #expect(actions == "user.totp.remove\n")
    }

    @Test(arguments: [
        (["audit"], "missing subcommand"), (["audit", "frob"], "unknown subcommand"),
        (["audit", "export"], "--format"), (["audit", "export", "--format", "xml"], "--format"),
        (["audit", "export", "--format", "csv", "--since", "soon"], "--since"), (["audit", "purge"], "--before"),
        (["audit", "purge", "--before", "2026-02-30"], "--before"), (["audit", "verify", "extra"], "unexpected argument"),
    ])
    func usageErrorsExitTwo(arguments: [String], mention: String) async throws {
        let result = try await ServeCommandTests.run(arguments)
        #expect(result.status == 2)
        #expect(result.err.contains(mention), "\(result.err)")
    }

    /// Starts `wharf serve` on `data`; returns the child and its address.
    static func serve(_ data: String) async throws -> (ChildProcess, SocketAddress) {
        let child = try ChildProcess(ServeCommandTests.executable, ["serve", "--no-access-log"], environment: [
            "WHARF_LISTEN": "127.0.0.1:0", "WHARF_DATA_DIR": data, "WHARF_RESOURCES": ApplicationHarness.repositoryRoot,
        ])
        #expect(await child.waitForError(containing: "listening on http://", timeout: 10), "\(child.standardError)")
        let line = try #require(child.standardError.firstMatch(of: /listening on http:\/\/([0-9.]+):([0-9]+)/))
        return (child, try SocketAddress(ip: String(line.1), port: try #require(UInt16(String(line.2)))))
    }

    @Test func aKilledServerLosesNoAcknowledgedRow() async throws {
        let data = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(try await Self.wharf(["user", "create", "--username", "ada", "--role", "admin"], data: data, input: Self.password).status == 0)
        let (server, address) = try await Self.serve(data)
        // Tokens are created from a browser session (API tokens cannot change the account).
        let session = try await LoopbackSession.signIn(address, "ada", "a long enough password")

        // Four clients create tokens as fast as they can; the server dies after some succeed.
        let acknowledged = Locked<[String]>([])
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<4 {
                group.addTask {
                    for index in 0..<10_000 {
                        let name = "burst-\(client)-\(index)"
                        guard let response = try? await session.post("/profile/tokens", "name=\(name)&role=viewer") else { return }
                        if (200..<300).contains(response.status) { acknowledged.withLock { $0.append(name) } }
                    }
                }
            }
            group.addTask {
                while acknowledged.withLock({ $0.count }) < 40 { try? await Task.sleep(nanoseconds: 2_000_000) }
                server.signal(SIGKILL)
            }
        }
        #expect(await server.waitForExit(timeout: 10) != 0)
        let names = acknowledged.withLock { $0 }
        #expect(names.count >= 40)

        // Restart (recovering the WAL), stop cleanly, then check the file and the chain.
        let (again, _) = try await Self.serve(data)
        again.signal(SIGTERM)
        #expect(await again.waitForExit(timeout: 15) == 0, "\(again.standardError)")
        #expect(try await Self.sqlite3(data + "/wharf.db", "PRAGMA integrity_check") == "ok\n")
        let verify = try await Self.wharf(["audit", "verify"], data: data)
        #expect(verify.status == 0, "\(verify.err)")
        let rows = try await Self.sqlite3(data + "/wharf.db", "SELECT json_extract(parameters, '$.name') FROM audit_log WHERE action = 'token.create'")
        let recorded = Set(rows.split(separator: "\n").map(String.init))
        for name in names { #expect(recorded.contains(name), "\(name) was acknowledged but has no audit row") }
    }
}
