import Testing
import WharfApp
import WharfHTTP
import WharfSQLite

@Suite struct SetupTests {
    private func setUp(_ browser: TestBrowser, token: String, username: String = "root") async throws -> HTTPResponse {
        try await browser.get("/setup?token=\(token)")
        return try await browser.post("/setup", [
            ("token", token), ("username", username), ("password", "a long enough password"), ("confirm", "a long enough password"),
        ])
    }

    @Test func aFreshInstanceIssuesATokenStoredOnlyHashed() async throws {
        try await withApp { app in
            let token = try #require(app.app.setupToken)
            #expect(token.utf8.count == 43)
            let stored = try await app.app.database.read { connection in
                try connection.query("SELECT token_hash, expires_ms - created_ms FROM setup_tokens")
            }
            #expect(stored.count == 1)
            #expect(try stored[0].get(0, as: String.self) != token)
            #expect(try stored[0].get(1, as: Int64.self) == 3_600_000)
        }
    }

    @Test func theTokenCreatesTheFirstAdminOnceAndSignsThemIn() async throws {
        try await withApp { app in
            let token = try #require(app.app.setupToken)
            let browser = TestBrowser(app)
            let done = try await setUp(browser, token: token)
            #expect(done.status == .seeOther)
            #expect(done.location == "/")
            #expect(try await browser.get("/users").status == .ok)
            let users = try await app.accounts.users()
            #expect(users.map(\.username) == ["root"])
            #expect(users.first?.role == .admin)
            #expect(try await app.auditActions().contains("auth.setup.ok"))
            // Used: a second browser with the same token cannot claim anything.
            let other = TestBrowser(app)
            let page = try await other.get("/setup?token=\(token)")
            #expect(page.status == .forbidden)
            #expect(page.text.contains("already set up"))
            try await other.get("/signin")   // a valid pre-session token, so only the setup token decides
            let again = try await other.post("/setup", [
                ("token", token), ("username", "mallory"), ("password", "a long enough password"), ("confirm", "a long enough password"),
            ])
            #expect(again.status == .forbidden)
            #expect(again.text.contains("already set up"))
            #expect(try await app.accounts.users().count == 1)
        }
    }

    @Test func withoutTheRightTokenNobodyClaimsAFreshInstance() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            let page = try await browser.get("/setup")
            #expect(page.status == .forbidden)
            #expect(!page.text.contains(#"name="password""#))
            #expect(try await setUp(browser, token: "guess").status == .forbidden)
            #expect(try await setUp(browser, token: "").status == .forbidden)
            #expect(try await app.accounts.users().isEmpty)
        }
    }

    @Test func theTokenExpiresAfterOneHour() async throws {
        try await withApp { app in
            let token = try #require(app.app.setupToken)
            app.time.advance(seconds: 3600)
            let browser = TestBrowser(app)
            let response = try await setUp(browser, token: token)
            #expect(response.status == .forbidden)
            #expect(response.text.contains("expired"))
            #expect(try await app.accounts.users().isEmpty)
        }
    }

    @Test func mistakesAreShownNextToTheFieldsAndTheTokenStaysUsable() async throws {
        try await withApp { app in
            let token = try #require(app.app.setupToken)
            let browser = TestBrowser(app)
            try await browser.get("/setup?token=\(token)")
            let response = try await browser.post("/setup", [
                ("token", token), ("username", "-root"), ("password", "short"), ("confirm", "different"),
            ])
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains(#"id="username-error">Start with a letter or a digit."#))
            #expect(response.text.contains(#"value="-root""#))
            #expect(response.text.contains(#"id="password-error">"#))
            #expect(response.text.contains(#"id="confirm-error">The two passwords differ."#))
            #expect(!response.text.contains("short"))
            #expect(try await setUp(browser, token: token).status == .seeOther)
        }
    }

    @Test func noTokenIsIssuedOnceThereAreUsers() async throws {
        let time = ManualTime()
        let accounts = try await testAccounts(time: time)
        let first = try await accounts.database.write { connection in try SetupTokens.issueIfNeeded(now: time.source.now(), on: connection) }
        #expect(first != nil)
        try await accounts.createUser(username: "ada", role: .admin, password: "a long enough password", by: cliActor)
        let second = try await accounts.database.write { connection in try SetupTokens.issueIfNeeded(now: time.source.now(), on: connection) }
        #expect(second == nil)
        await accounts.database.close()
    }
}
