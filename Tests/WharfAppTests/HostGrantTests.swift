import Testing
import WharfApp
import WharfHTTP
import WharfSQLite
import WharfWire

/// `.hostView` / `.hostOperate` against `host_grants`, through the real middleware, with API
/// tokens (so CSRF does not come into it). Hosts 7 and 8 are rows written here directly, and a
/// resolver stands in for the name lookup.
@Suite struct HostGrantTests {
    @Test func grantsDecideHostRoutesAndAdminsAlwaysPass() async throws {
        let database = try await migratedDatabase()
        let accounts = try await AccountServices.make(
            database: database, secretKey: try testSecretKey(), hasher: PasswordHasher(parameters: .testing),
            grants: Grants(database: database, resolveHost: { value in value == "prod" ? 7 : Int64(value) }))
        var tokens: [String: String] = [:]
        for (name, role) in [("root", Role.admin), ("vic", .viewer), ("olga", .operator), ("nobody", .operator)] {
            let user = try await accounts.createUser(username: name, role: role, password: "a long enough password", by: cliActor)
            tokens[name] = try await accounts.createToken(userID: user.id, name: "t", role: nil, expiresInDays: nil, by: cliActor).secret
        }
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

        var builder = RouterBuilder()
        builder.add(.get, "/hosts/:host", permission: Permission.hostView) { _, _ in .text("view") }
        builder.add(.post, "/hosts/:host/restart", permission: Permission.hostOperate) { _, _ in .text("done") }
        let responder = HTTPResponder(router: try builder.build(), middleware: [
            AuthenticationMiddleware(services: accounts), CSRFMiddleware(services: accounts), AuthorizationMiddleware(services: accounts),
        ])
        func status(_ user: String, _ method: HTTPMethod, _ path: String) async -> Int {
            let request = HTTPRequest.make(method, path, headers: ["Host": "localhost", "Authorization": "Bearer \(tokens[user] ?? "")"])
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
        let table: [(String, HTTPMethod, String, Int)] = [
            ("root", .get, "/hosts/7", 200), ("root", .post, "/hosts/99/restart", 200),
            ("vic", .get, "/hosts/7", 200), ("vic", .get, "/hosts/prod", 200), ("vic", .post, "/hosts/7/restart", 403),
            ("vic", .get, "/hosts/8", 403),
            ("olga", .get, "/hosts/prod", 200), ("olga", .post, "/hosts/prod/restart", 200),
            ("olga", .get, "/hosts/8", 200), ("olga", .post, "/hosts/8/restart", 403), ("olga", .get, "/hosts/unknown", 403),
            ("nobody", .get, "/hosts/7", 403), ("nobody", .post, "/hosts/7/restart", 403),
        ]
        for (user, method, path, expected) in table {
            #expect(await status(user, method, path) == expected, "\(user) \(method) \(path)")
        }
        let denials = try await database.read { connection in
            try connection.queryValue("SELECT count(*) FROM audit_log WHERE action = 'auth.denied'", as: Int.self)
        }
        #expect(denials == 6)
        await database.close()
    }
}
