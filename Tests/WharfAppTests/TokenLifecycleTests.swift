import WharfWire
import Testing
import WharfApp
import WharfHTTP
import WharfSQLite

/// Issue 10, item 5: tokens do not outlive the account actions that should end them, and admins
/// can list and revoke any user's tokens from the user page and the API.
@Suite struct TokenLifecycleTests {
    private func me(_ app: TestApp, _ secret: String) async throws -> HTTPResponse {
        try await app.respond(HTTPRequest.make(.get, "/api/v1/me", headers: ["Host": "localhost", "Authorization": "Bearer \(secret)"]))
    }

    private func api(_ app: TestApp, _ secret: String, _ method: HTTPMethod, _ target: String) async throws -> HTTPResponse {
        try await app.respond(HTTPRequest.make(method, target, headers: ["Host": "localhost", "Authorization": "Bearer \(secret)"]))
    }

    private func admin(_ app: TestApp) async throws -> TestBrowser { try await app.signedInAdmin(on: "/users") }

    @Test func disablingRevokesTokensAndEnablingDoesNotBringThemBack() async throws {
        try await withApp { app in
            let browser = try await admin(app)
            let ada = try await app.user("ada", .operator)
            let token = try await app.accounts.createToken(userID: ada.id, name: "ci", role: nil, expiresInDays: nil, by: cliActor)
            try await browser.get("/users/\(ada.id)")
            #expect(try await browser.post("/users/\(ada.id)/disable").status == .seeOther)
            #expect(try await browser.post("/users/\(ada.id)/enable").status == .seeOther)
            let response = try await me(app, token.secret)
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("revoked"), "\(response.text)")
            let disable = try await app.auditRows("user.disable")
            #expect(try disable.last?.get("parameters", as: String?.self)?.contains(#""api_revoked":"1""#) == true)
        }
    }

    @Test func anAdminPasswordResetRevokesTheUsersTokens() async throws {
        try await withApp { app in
            let browser = try await admin(app)
            let ada = try await app.user("ada", .viewer)
            let token = try await app.accounts.createToken(userID: ada.id, name: "ci", role: nil, expiresInDays: nil, by: cliActor)
            try await browser.get("/users/\(ada.id)")
            let reset = try await browser.post("/users/\(ada.id)/password", [("password", "brand new password"), ("confirm", "brand new password")])
            #expect(reset.status == .seeOther)
            #expect(try await me(app, token.secret).status == .unauthorized)
        }
    }

    @Test func loweringTheRoleCapsTokensAboveItForGood() async throws {
        try await withApp { app in
            let browser = try await admin(app)
            let ada = try await app.user("ada", .admin)
            let high = try await app.accounts.createToken(userID: ada.id, name: "admin", role: .admin, expiresInDays: nil, by: cliActor)
            let low = try await app.accounts.createToken(userID: ada.id, name: "viewer", role: .viewer, expiresInDays: nil, by: cliActor)
            try await browser.get("/users/\(ada.id)")
            #expect(try await browser.post("/users/\(ada.id)/role", [("role", "operator")]).status == .seeOther)
            // Raising the role again does not give the admin token back its power.
            try await browser.get("/users/\(ada.id)")
            #expect(try await browser.post("/users/\(ada.id)/role", [("role", "admin")]).status == .seeOther)
            #expect(try await me(app, high.secret).text.contains(#""role":"operator""#))
            #expect(try await me(app, low.secret).text.contains(#""role":"viewer""#))
            let change = try await app.auditRows("user.role.change")
            #expect(try change.first?.get("parameters", as: String?.self)?.contains(#""api_capped":"1""#) == true)
        }
    }

    @Test func anAdminRevokesAUsersTokenFromTheUserPage() async throws {
        try await withApp { app in
            let browser = try await admin(app)
            let ada = try await app.user("ada", .viewer)
            let token = try await app.accounts.createToken(userID: ada.id, name: "laptop", role: nil, expiresInDays: nil, by: cliActor)
            let page = try await browser.get("/users/\(ada.id)")
            let action = "/users/\(ada.id)/tokens/\(token.token.id)/revoke"
            #expect(page.text.contains(#"action="\#(action)""#))
            #expect(try await browser.post(action).location == "/users/\(ada.id)?done=token")
            #expect(try await me(app, token.secret).status == .unauthorized)
            let rows = try await app.auditRows("token.revoke")
            #expect(rows.count == 1)
            #expect(try rows.first?.get("actor_name", as: String?.self) == "root")
            #expect(try rows.first?.get("target", as: String?.self) == "ada")
            // A token of another user is not found under this one.
            let root = try #require(try await app.accounts.user(named: "root"))
            let other = try await app.accounts.createToken(userID: root.id, name: "mine", role: nil, expiresInDays: nil, by: cliActor)
            try await browser.get("/users/\(ada.id)")
            #expect(try await browser.post("/users/\(ada.id)/tokens/\(other.token.id)/revoke").status == .notFound)
        }
    }

    @Test func theAPIListsAndRevokesAnyUsersTokensForAdminsOnly() async throws {
        try await withApp { app in
            let root = try await app.user("root", .admin)
            let ada = try await app.user("ada", .operator)
            let rootToken = try await app.accounts.createToken(userID: root.id, name: "ops", role: nil, expiresInDays: nil, by: cliActor)
            let adaToken = try await app.accounts.createToken(userID: ada.id, name: "ci", role: nil, expiresInDays: 7, by: cliActor)

            let list = try await api(app, rootToken.secret, .get, "/api/v1/users/\(ada.id)/tokens")
            #expect(list.status == .ok)
            #expect(list.headers["Content-Type"]?.hasPrefix("application/json") == true)
            #expect(list.text.contains(#""prefix":"\#(adaToken.token.prefix)""#), "\(list.text)")
            #expect(list.text.contains(#""state":"live""#))
            #expect(!list.text.contains(adaToken.secret))

            let revoked = try await api(app, rootToken.secret, .post, "/api/v1/users/\(ada.id)/tokens/\(adaToken.token.id)/revoke")
            #expect(revoked.status == .ok, "\(revoked.text)")
            #expect(revoked.text.contains(#""state":"revoked""#))
            #expect(try await me(app, adaToken.secret).status == .unauthorized)
            #expect(try await app.auditRows("token.revoke").count == 1)

            let again = try await api(app, rootToken.secret, .post, "/api/v1/users/\(ada.id)/tokens/\(adaToken.token.id)/revoke")
            #expect(again.status == .notFound)
            #expect(again.text.contains(#""code":"token_not_found""#), "\(again.text)")
            #expect(again.text.contains(#""requestId":"#))
            let nobody = try await api(app, rootToken.secret, .get, "/api/v1/users/999/tokens")
            #expect(nobody.status == .notFound)
            #expect(nobody.text.contains(#""code":"user_not_found""#), "\(nobody.text)")

            // Not an admin: 403 with a code, and audited.
            let other = try await app.accounts.createToken(userID: ada.id, name: "ci2", role: nil, expiresInDays: nil, by: cliActor)
            let refused = try await api(app, other.secret, .get, "/api/v1/users/\(root.id)/tokens")
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains(#""code":"forbidden""#), "\(refused.text)")
            #expect(try await app.auditRows("auth.denied").count == 1)
        }
    }
}
