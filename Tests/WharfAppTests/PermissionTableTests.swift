import Testing
import WharfApp
import WharfHTTP
import WharfSQLite

/// Every route WharfApplication registers × (anonymous, viewer, operator, admin) → the status the
/// request gets, sent as a browser would (valid CSRF token, same Origin) with an empty form, so
/// what differs between columns is authorization alone. A route without a row fails the test:
/// adding a route means deciding, here, who may use it.
@Suite struct PermissionTableTests {
    /// `METHOD pattern` → [anonymous, viewer, operator, admin].
    /// 303 for anonymous is "sent to sign-in"; 401 is the API answer; 403 is refused.
    static let expected: [String: [Int]] = [
        "GET /healthz": [200, 200, 200, 200],
        "GET /static/*path": [200, 200, 200, 200],
        "GET /favicon.ico": [301, 301, 301, 301],
        "GET /": [303, 200, 200, 200],
        "GET /signin": [200, 303, 303, 303],
        "POST /signin": [422, 422, 422, 422],
        "GET /signin/totp": [303, 303, 303, 303],
        "POST /signin/totp": [303, 303, 303, 303],
        "POST /signout": [303, 303, 303, 303],
        "GET /setup": [403, 403, 403, 403],
        "POST /setup": [403, 403, 403, 403],
        "GET /users": [303, 403, 403, 200],
        "GET /users/new": [303, 403, 403, 200],
        "POST /users": [303, 403, 403, 422],
        "GET /users/:id": [303, 403, 403, 200],
        "POST /users/:id/role": [303, 403, 403, 422],
        "POST /users/:id/disable": [303, 403, 403, 303],
        "POST /users/:id/enable": [303, 403, 403, 303],
        "POST /users/:id/password": [303, 403, 403, 422],
        "POST /users/:id/sessions/revoke": [303, 403, 403, 303],
        "POST /settings/security": [303, 403, 403, 303],
        "GET /profile": [303, 200, 200, 200],
        "POST /profile/password": [303, 422, 422, 422],
        "POST /profile/sessions/:id/revoke": [303, 404, 404, 404],
        "POST /profile/tokens": [303, 422, 422, 422],
        "POST /profile/tokens/:id/revoke": [303, 404, 404, 404],
        "GET /api/me": [401, 200, 200, 200],
        "GET /profile/totp": [303, 200, 200, 200],
        "POST /profile/totp": [303, 422, 422, 422],
        "POST /profile/totp/remove": [303, 422, 422, 422],
        "GET /audit": [303, 403, 403, 200],
        "GET /audit/:id": [303, 403, 403, 200],
        "GET /audit/export.csv": [303, 403, 403, 200],
        "GET /audit/export.jsonl": [303, 403, 403, 200],
    ]

    /// A concrete path for a pattern: `:id` is user 4 (a bystander no column signs in as), or a
    /// session/token id that does not exist; the wildcard names the stylesheet.
    static func path(for pattern: String) -> String {
        var path = pattern.replacing("*path", with: "css/wharf.css")
        if pattern.hasPrefix("/profile/") { path = path.replacing(":id", with: "999") }
        return path.replacing(":id", with: "4")
    }

    @Test func everyRouteHasARowAndEveryRowARoute() async throws {
        try await withApp { app in
            let registered = Set(app.app.responder.router.routes.map { "\($0.method) \($0.pattern)" })
            for route in registered.sorted() where Self.expected[route] == nil {
                Issue.record("route \(route) has no row in PermissionTableTests.expected: decide who may use it")
            }
            for row in Set(Self.expected.keys).subtracting(registered).sorted() {
                Issue.record("PermissionTableTests.expected has \(row), which is not registered")
            }
            for route in app.app.responder.router.routes {
                #expect(route.permission is Permission, "route \(route.method) \(route.pattern) does not name a Permission")
            }
        }
    }

    @Test func everyRouteAnswersEachRoleAsTheTableSays() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            try await app.user("vic", .viewer)
            try await app.user("olga", .operator)
            try await app.user("bystander", .viewer)
            let columns: [String?] = [nil, "vic", "olga", "root"]
            for route in app.app.responder.router.routes.sorted(by: { "\($0.pattern)" < "\($1.pattern)" }) {
                let key = "\(route.method) \(route.pattern)"
                guard let row = Self.expected[key] else { continue }
                for (column, username) in columns.enumerated() {
                    let browser = TestBrowser(app, address: "10.0.0.\(column + 1)")
                    if let username {
                        #expect(try await browser.signIn(username).status == .seeOther)
                        try await browser.get("/profile")
                    } else {
                        try await browser.get("/signin")
                    }
                    let path = Self.path(for: route.pattern)
                    let response = route.method == .get ? try await browser.get(path) : try await browser.post(path)
                    #expect(response.status.code == row[column], "\(key) as \(username ?? "anonymous"): \(response.status)")
                    if username == nil, response.status.code == 303, route.permission as? Permission != .anonymous {
                        #expect(response.location?.hasPrefix("/signin?next=") == true, "\(key) as anonymous")
                    }
                }
            }
            let denials = try await app.auditRows("auth.denied")
            #expect(denials.count >= 20)
        }
    }

    @Test func aRouteWithoutAWharfPermissionIsRefused() async throws {
        struct Foreign: RoutePermission { var description: String { "foreign" } }
        var builder = RouterBuilder()
        builder.add(.get, "/x", permission: Foreign()) { _, _ in .text("open") }
        let accounts = try await testAccounts()
        let responder = HTTPResponder(router: try builder.build(), middleware: [
            AuthenticationMiddleware(services: accounts), AuthorizationMiddleware(services: accounts),
        ])
        var context = RequestContext(requestID: "t")
        responder.route(HTTPRequest.make(.get, "/x").head, into: &context)
        await #expect(throws: HTTPError.self) { try await responder.respond(to: HTTPRequest.make(.get, "/x"), context: context) }
        await accounts.database.close()
    }
}
