import Testing
import WharfApp
import WharfHTTP
import WharfSQLite
import WharfWire

@Suite struct CSRFTests {
    /// A signed-in admin on the users page, ready to post.
    private func signedIn(_ app: TestApp) async throws -> TestBrowser { try await app.signedInAdmin("ada", on: "/users") }

    @Test func aFormWithTheSessionTokenFromThisSiteIsAccepted() async throws {
        try await withApp { app in
            let browser = try await signedIn(app)
            let response = try await browser.post("/settings/security", [("require_totp", "1")])
            #expect(response.location == "/users?done=settings")
            #expect(try await app.auditActions().contains("settings.change"))
        }
    }

    @Test func aMissingTokenIsRefusedWithAnExplanationAndAudited() async throws {
        try await withApp { app in
            let browser = try await signedIn(app)
            let response = try await browser.post("/settings/security", [("require_totp", "1")], csrf: .some(nil))
            #expect(response.status == .forbidden)
            #expect(response.text.contains("security token is missing"))
            #expect(response.text.contains("reload the page"))
            let rows = try await app.auditRows("auth.csrf.denied")
            #expect(rows.count == 1)
            #expect(try rows[0].get("outcome", as: String.self) == "denied")
            #expect(try rows[0].get("actor_name", as: String?.self) == "ada")
            #expect(try rows[0].get("parameters", as: String?.self) == #"{"reason":"missing token"}"#)
            #expect(try await !app.auditActions().contains("settings.change"))
        }
    }

    @Test func aWrongTokenIsRefused() async throws {
        try await withApp { app in
            let browser = try await signedIn(app)
            let response = try await browser.post("/settings/security", [("require_totp", "1")], csrf: .some("x" + (browser.csrf ?? "")))
            #expect(response.status == .forbidden)
            #expect(try await app.auditRows("auth.csrf.denied").count == 1)
        }
    }

    @Test func anotherSessionsTokenIsRefused() async throws {
        try await withApp { app in
            let browser = try await signedIn(app)
            let other = TestBrowser(app)
            try await other.signIn("ada")
            try await other.get("/users")
            let response = try await browser.post("/settings/security", [("require_totp", "1")], csrf: .some(other.csrf))
            #expect(response.status == .forbidden)
        }
    }

    @Test(arguments: ["http://evil.example", "null", "http://localhost.evil.example", "https://evil.example/localhost"])
    func aForeignOriginIsRefusedEvenWithTheRightToken(origin: String) async throws {
        try await withApp { app in
            let browser = try await signedIn(app)
            browser.origin = origin
            let response = try await browser.post("/settings/security", [("require_totp", "1")])
            #expect(response.status == .forbidden)
            #expect(response.text.contains("sent from another site"))
            #expect(try await app.auditRows("auth.csrf.denied").count == 1)
        }
    }

    @Test func refererStandsInForAMissingOriginAndNeitherIsRefused() async throws {
        try await withApp { app in
            let browser = try await signedIn(app)
            browser.origin = nil
            #expect(try await browser.post("/settings/security", [("require_totp", "0")]).status == .forbidden)
            let viaReferer = try await browser.post(
                "/settings/security", [("require_totp", "0")], headers: [("Referer", "http://localhost/users")])
            #expect(viaReferer.status == .seeOther)
        }
    }

    @Test func theTokenMayComeInAHeaderForFetch() async throws {
        try await withApp { app in
            let browser = try await signedIn(app)
            let token = try #require(browser.csrf)
            let response = try await browser.post(
                "/settings/security", [("require_totp", "0")], csrf: .some(nil), headers: [("X-CSRF-Token", token)])
            #expect(response.status == .seeOther)
        }
    }

    @Test func theSignInFormNeedsThePreSessionToken() async throws {
        try await withApp { app in
            try await app.user("ada", .admin)
            let browser = TestBrowser(app)
            try await browser.get("/signin")
            #expect(try await browser.post("/signin", [("username", "ada"), ("password", "a long enough password")], csrf: .some(nil)).status == .forbidden)
            // A token computed for another pre-session cookie does not fit this one.
            let other = TestBrowser(app)
            try await other.get("/signin")
            #expect(try await browser.post("/signin", [("username", "ada"), ("password", "a long enough password")], csrf: .some(other.csrf)).status == .forbidden)
            try await browser.get("/signin")
            #expect(try await browser.post("/signin", [("username", "ada"), ("password", "a long enough password")]).status == .seeOther)
        }
    }

    @Test func bearerTokenRequestsAreExempt() async throws {
        try await withApp { app in
            let ada = try await app.user("ada", .admin)
            let token = try await app.accounts.createToken(userID: ada.id, name: "ci", role: nil, expiresInDays: nil, by: cliActor)
            let request = HTTPRequest.make(.post, "/settings/security", headers: [
                "Host": "localhost", "Authorization": "Bearer \(token.secret)", "Content-Type": "application/x-www-form-urlencoded",
            ], body: Array("require_totp=1".utf8))
            let response = try await app.respond(request)
            #expect(response.status == .seeOther)
            let rows = try await app.auditRows("settings.change")
            #expect(try rows.first?.get("source", as: String.self) == "api")
        }
    }
}
