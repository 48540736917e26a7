import Testing
import WharfApp
import WharfHTTP
import WharfIO
import WharfSQLite
import WharfWire

/// `.hostView` / `.hostOperate` / `.hostAdmin` against `host_grants`, through the real middleware
/// and the real host resolution (by id or name, once per request), with API tokens (so CSRF does
/// not come into it). Hosts 7 (`host7`) and 8 are rows written here directly.
@Suite struct HostGrantTests {
    @Test func grantsDecideHostRoutesAndAdminsAlwaysPass() async throws {
        let (accounts, group, hosts) = try await Self.services()
        let database = accounts.database
        var tokens: [String: String] = [:]
        for (name, role) in [("root", Role.admin), ("vic", .viewer), ("olga", .operator), ("nobody", .operator)] {
            let user = try await accounts.createUser(username: name, role: role, password: "a long enough password", by: cliActor)
            tokens[name] = try await accounts.createToken(userID: user.id, name: "t", role: nil, expiresInDays: nil, by: cliActor).secret
        }
        // A viewer-role token of an operator: the grant says operator, the token caps it at viewer.
        tokens["olga-viewer-token"] = try await accounts.createToken(
            userID: 3, name: "read-only", role: .viewer, expiresInDays: nil, by: cliActor).secret
        try await database.write { connection in
            for id in [7, 8] as [Int64] {
                try connection.execute(
                    "INSERT INTO hosts (id, name, url, created_ms, updated_ms) VALUES (?, ?, 'unix:///nowhere.sock', 0, 0)",
                    [.integer(id), .text("host\(id)")])
            }
            try Grants.set(.viewer, user: 2, host: 7, on: connection)
            try Grants.set(.operator, user: 3, host: 7, on: connection)
            try Grants.set(.viewer, user: 3, host: 8, on: connection)
        }
        #expect(try await accounts.grants.role(user: 3, host: 7) == .operator)
        #expect(try await accounts.grants.role(user: 4, host: 7) == nil)

        let responder = try Self.responder(accounts, hosts)
        func status(_ user: String, _ method: HTTPMethod, _ path: String) async -> Int {
            await Self.status(responder, method, path, token: tokens[user] ?? "")
        }
        // Admins pass without a grant, and get 404 for a host that does not exist; for everyone
        // else an unknown host and an ungranted one answer alike (403), so names do not leak.
        let table: [(String, HTTPMethod, String, Int)] = [
            ("root", .get, "/hosts/7", 200), ("root", .post, "/hosts/8/restart", 200), ("root", .post, "/hosts/99/restart", 404),
            ("root", .post, "/hosts/host8/edit", 200),
            ("vic", .get, "/hosts/7", 200), ("vic", .get, "/hosts/host7", 200), ("vic", .post, "/hosts/7/restart", 403),
            ("vic", .get, "/hosts/8", 403),
            ("olga", .get, "/hosts/HOST7", 200), ("olga", .post, "/hosts/host7/restart", 200),
            ("olga", .get, "/hosts/8", 200), ("olga", .post, "/hosts/8/restart", 403), ("olga", .get, "/hosts/unknown", 403),
            ("olga", .post, "/hosts/7/edit", 403),
            ("olga-viewer-token", .get, "/hosts/7", 200), ("olga-viewer-token", .post, "/hosts/7/restart", 403),
            ("nobody", .get, "/hosts/7", 403), ("nobody", .post, "/hosts/7/restart", 403),
        ]
        for (user, method, path, expected) in table {
            #expect(await status(user, method, path) == expected, "\(user) \(method) \(path)")
        }
        let denials = try await database.read { connection in
            try connection.queryValue("SELECT count(*) FROM audit_log WHERE action = 'auth.denied'", as: Int.self)
        }
        #expect(denials == 8)
        // The handler gets the host resolved by the middleware, by name as well as by id.
        #expect(await status("vic", .get, "/hosts/host7") == 200)
        await group.shutdown()
        await database.close()
    }

    /// A token's answer is kept between calls (``BearerCache``) only while nothing is written:
    /// a grant removed, a token revoked or a user disabled by another process (a second
    /// `Database` on the same file, as a `wharf` subcommand opens it) is seen by the next call.
    @Test func aKeptTokenAnswerEndsWithAnyWriteFromAnyProcess() async throws {
        let (accounts, group, hosts) = try await Self.services()
        let database = accounts.database
        let olga = try await accounts.createUser(username: "olga", role: .operator, password: "a long enough password", by: cliActor)
        let token = try await accounts.createToken(userID: olga.id, name: "t", role: nil, expiresInDays: nil, by: cliActor)
        try await database.write { connection in
            try connection.execute("INSERT INTO hosts (id, name, url, created_ms, updated_ms) VALUES (7, 'host7', 'unix:///nowhere.sock', 0, 0)")
            try Grants.set(.operator, user: olga.id, host: 7, on: connection)
        }
        let responder = try Self.responder(accounts, hosts)
        func status() async -> Int { await Self.status(responder, .post, "/hosts/7/restart", token: token.secret) }
        let other = try await Database.open(path: database.path)
        for _ in 0..<3 { #expect(await status() == 200) }
        try await other.write { connection in try Grants.set(.viewer, user: olga.id, host: 7, on: connection) }
        #expect(await status() == 403, "the grant was lowered")
        try await other.write { connection in try Grants.set(.operator, user: olga.id, host: 7, on: connection) }
        for _ in 0..<3 { #expect(await status() == 200) }
        try await other.write { connection in try connection.execute("UPDATE users SET disabled = 1 WHERE id = ?", [.integer(olga.id)]) }
        #expect(await status() == 401, "the user was disabled")
        try await other.write { connection in try connection.execute("UPDATE users SET disabled = 0 WHERE id = ?", [.integer(olga.id)]) }
        #expect(await status() == 200)
        _ = try await other.write { connection in try APITokenStore.revoke(id: token.token.id, userID: olga.id, now: 1, on: connection) }
        #expect(await status() == 401, "the token was revoked")
        await other.close()
        await group.shutdown()
        await database.close()
    }

    /// Account and host services over one fresh database, with a loop for the hosts' clients.
    private static func services() async throws -> (AccountServices, EventLoopGroup, HostServices) {
        let accounts = try await testAccounts()
        let group = try EventLoopGroup(loops: 1)
        return (accounts, group, HostServices(database: accounts.database, secretKey: try testSecretKey(), group: group))
    }

    /// Three host routes behind the real authentication, CSRF and authorization middleware.
    private static func responder(_ accounts: AccountServices, _ hosts: HostServices) throws -> HTTPResponder {
        var builder = RouterBuilder()
        builder.add(.get, "/hosts/:host", permission: Permission.hostView) { _, context in .text(context.hostScope?.host.name ?? "none") }
        builder.add(.post, "/hosts/:host/restart", permission: Permission.hostOperate) { _, _ in .text("done") }
        builder.add(.post, "/hosts/:host/edit", permission: Permission.hostAdmin) { _, _ in .text("edited") }
        return HTTPResponder(router: try builder.build(), middleware: [
            AuthenticationMiddleware(services: accounts), CSRFMiddleware(services: accounts),
            AuthorizationMiddleware(services: accounts, hostScopes: { reference, principal, context in
                try await hosts.scope(reference, for: principal, context: context)
            }),
        ])
    }

    /// The status `responder` answers `method` `path` with, sent with the bearer `token`.
    private static func status(_ responder: HTTPResponder, _ method: HTTPMethod, _ path: String, token: String) async -> Int {
        let request = HTTPRequest.make(method, path, headers: ["Host": "localhost", "Authorization": "Bearer \(token)"])
        var context = RequestContext(requestID: "t")
        responder.route(request.head, into: &context)
        do {
            return try await responder.respond(to: request, context: context).status.code
        } catch let error as HTTPError {
            return error.status.code
        } catch {
            return 500
        }
    }
}
