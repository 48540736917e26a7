import Testing
import WharfApp
import WharfHTTP
import WharfSQLite

/// Issue 10, item 6: changing one's own password (on the profile or through the admin page on
/// oneself), removing two-step sign-in and creating an admin-role token ask for the current
/// password, and for a code from the app when two-step sign-in is on.
@Suite struct ReauthenticationTests {
    static let password = "a long enough password"

    /// Signs `name` in; with `secret`, two-step sign-in is on (enabled directly) and the code step
    /// is passed too.
    private func signedIn(_ app: TestApp, _ name: String, _ role: Role, secret: [UInt8]? = nil) async throws -> TestBrowser {
        let user = try await app.user(name, role)
        if let secret {
            try await app.app.database.write { connection in
                try UserRepository.enableTOTP(
                    secret: secret, step: 1, recoveryCodeHashes: [], userID: user.id, now: 0, key: app.accounts.secretKey, on: connection)
            }
        }
        let browser = TestBrowser(app)
        try await browser.signIn(name)
        if let secret {
            try await browser.get("/signin/totp")
            #expect(try await browser.post("/signin/totp", [("code", code(app, secret))]).status == .seeOther)
            app.time.advance(seconds: 30)
        }
        try await browser.get("/profile")
        return browser
    }

    private func code(_ app: TestApp, _ secret: [UInt8]) -> String {
        TOTP.code(secret: secret, step: TOTP.step(atMilliseconds: app.time.source.now()))
    }

    static let secret = (0..<TOTP.secretByteCount).map { UInt8($0 * 11 % 256) }

    private func tokenCount(_ app: TestApp) async throws -> Int {
        try await app.app.database.read { connection in try connection.queryValue("SELECT count(*) FROM api_tokens", as: Int.self) ?? 0 }
    }

    @Test func anAdminTokenNeedsThePassword() async throws {
        try await withApp { app in
            let browser = try await signedIn(app, "root", .admin)
            let refused = try await browser.post("/profile/tokens", [("name", "ops"), ("role", "admin")])
            #expect(refused.status == .unprocessableContent)
            #expect(try await tokenCount(app) == 0)
            try await browser.get("/profile")
            let wrong = try await browser.post("/profile/tokens", [("name", "ops"), ("role", "admin"), ("token_current", "not my password")])
            #expect(wrong.status == .unprocessableContent)
            #expect(try await tokenCount(app) == 0)
            try await browser.get("/profile")
            let made = try await browser.post("/profile/tokens", [("name", "ops"), ("role", "admin"), ("token_current", Self.password)])
            #expect(made.status == .ok)
            #expect(made.text.contains("Your new API token"))
            // A lower role needs nothing more.
            try await browser.get("/profile")
            #expect(try await browser.post("/profile/tokens", [("name", "ci"), ("role", "viewer")]).status == .ok)
            #expect(try await tokenCount(app) == 2)
        }
    }

    @Test func anAdminTokenNeedsTheCodeWhenTwoStepSignInIsOn() async throws {
        try await withApp { app in
            let browser = try await signedIn(app, "root", .admin, secret: Self.secret)
            let refused = try await browser.post(
                "/profile/tokens", [("name", "ops"), ("role", "admin"), ("token_current", Self.password)])
            #expect(refused.status == .unprocessableContent)
            #expect(try await tokenCount(app) == 0)
            try await browser.get("/profile")
            let made = try await browser.post(
                "/profile/tokens",
                [("name", "ops"), ("role", "admin"), ("token_current", Self.password), ("token_code", code(app, Self.secret))])
            #expect(made.status == .ok)
            #expect(try await tokenCount(app) == 1)
        }
    }

    @Test func changingOnesOwnPasswordNeedsTheCodeWhenTwoStepSignInIsOn() async throws {
        try await withApp { app in
            let browser = try await signedIn(app, "ada", .viewer, secret: Self.secret)
            let fields = [("current", Self.password), ("password", "a brand new password"), ("confirm", "a brand new password")]
            #expect(try await browser.post("/profile/password", fields).status == .unprocessableContent)
            try await browser.get("/profile")
            let done = try await browser.post("/profile/password", fields + [("code", code(app, Self.secret))])
            #expect(done.location == "/profile?done=password")
        }
    }

    @Test func anAdminResettingTheirOwnPasswordOnTheUserPageNeedsTheirPassword() async throws {
        try await withApp { app in
            let browser = try await signedIn(app, "root", .admin)
            let root = try #require(try await app.accounts.user(named: "root"))
            try await browser.get("/users/\(root.id)")
            let fields = [("password", "a brand new password"), ("confirm", "a brand new password")]
            let refused = try await browser.post("/users/\(root.id)/password", fields)
            #expect(refused.status == .unprocessableContent)
            #expect(try await TestBrowser(app).signIn("root", Self.password).status == .seeOther)
            try await browser.get("/users/\(root.id)")
            #expect(try await browser.post("/users/\(root.id)/password", fields + [("current", Self.password)]).status == .seeOther)
            #expect(try await TestBrowser(app).signIn("root", "a brand new password").status == .seeOther)
        }
    }

    @Test func removingTwoStepSignInNeedsTheCode() async throws {
        try await withApp { app in
            let browser = try await signedIn(app, "ada", .viewer, secret: Self.secret)
            try await browser.get("/profile/totp")
            #expect(try await browser.post("/profile/totp/remove", [("password", Self.password)]).status == .unprocessableContent)
            #expect(try await app.accounts.user(named: "ada")?.hasTOTP == true)
            try await browser.get("/profile/totp")
            let done = try await browser.post("/profile/totp/remove", [("password", Self.password), ("code", code(app, Self.secret))])
            #expect(done.location == "/profile?done=totp")
            #expect(try await app.accounts.user(named: "ada")?.hasTOTP == false)
        }
    }

    /// Wrong current passwords count like wrong sign-ins: a stolen session cannot guess the
    /// password through these forms.
    @Test func wrongCurrentPasswordsAreThrottled() async throws {
        try await withApp { app in
            let browser = try await signedIn(app, "ada", .viewer)
            var statuses: [Int] = []
            for _ in 0..<6 {
                try await browser.get("/profile")
                statuses.append(try await browser.post(
                    "/profile/password", [("current", "a wrong guess!!"), ("password", "a brand new password"), ("confirm", "a brand new password")]
                ).status.code)
            }
            #expect(statuses == [422, 422, 422, 422, 422, 429], "\(statuses)")
            #expect(try await app.auditRows("auth.reauth.failed").count == 5)
        }
    }
}
