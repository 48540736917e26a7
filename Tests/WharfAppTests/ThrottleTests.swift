import Testing
import WharfApp
import WharfHTTP
import WharfSQLite
import WharfWire

@Suite struct ThrottleTests {
    private func fail(_ browser: TestBrowser, _ username: String = "ada") async throws -> HTTPResponse {
        try await browser.failSignIn(username)
    }

    @Test func fiveFailuresForOneUsernameFromOneAddressAnswer429() async throws {
        try await withApp { app in
            try await app.user("ada", .admin)
            let attacker = TestBrowser(app, address: "192.0.2.7")
            for _ in 0..<5 { #expect(try await fail(attacker).status == .unauthorized) }
            let throttled = try await fail(attacker)
            #expect(throttled.status == .tooManyRequests)
            let retry = try #require(throttled.headers["Retry-After"].flatMap { Int($0) })
            #expect(retry > 0 && retry <= 900)
            #expect(throttled.text.contains("Too many failed sign-ins"))
            // Even the right password waits.
            try await attacker.get("/signin")
            #expect(try await attacker.signIn("ada").status == .tooManyRequests)
            // The real admin, elsewhere, is not locked out.
            let admin = TestBrowser(app, address: "198.51.100.1")
            #expect(try await admin.signIn("ada").status == .seeOther)
            // Throttled attempts from one address are written once a minute, with a count.
            #expect(try await app.auditRows("auth.signin.throttled").count == 1)
            try await app.accounts.denials.flush(all: true)
            let rows = try await app.auditRows("auth.signin.throttled")
            #expect(rows.count == 2)
            #expect(try rows.last?.get("parameters", as: String?.self)?.contains(#""repeated":"1""#) == true)
            #expect(try await app.auditRows("auth.signin.failed").count == 5)
            // After the window, the attacker's address may try again.
            app.time.advance(seconds: 15 * 60)
            #expect(try await attacker.signIn("ada").status == .seeOther)
        }
    }

    @Test func twentyFailuresFromOneAddressThrottleEveryUsernameFromIt() async throws {
        try await withApp { app in
            try await app.user("ada", .admin)
            let sprayer = TestBrowser(app, address: "192.0.2.9")
            for index in 0..<20 { #expect(try await fail(sprayer, "user\(index)").status == .unauthorized) }
            #expect(try await fail(sprayer, "someone-new").status == .tooManyRequests)
            #expect(try await sprayer.signIn("ada").status == .tooManyRequests)
            #expect(try await TestBrowser(app, address: "192.0.2.10").signIn("ada").status == .seeOther)
        }
    }

    @Test func unknownUsersGetTheSameAnswerAsWrongPasswords() async throws {
        try await withApp { app in
            try await app.user("ada", .admin)
            let browser = TestBrowser(app)
            let unknown = try await fail(browser, "nobody")
            let wrong = try await fail(browser, "ada")
            #expect(unknown.status == wrong.status)
            func message(_ text: String) -> String? { TestBrowser.between(#"<p class="notice error" role="alert">"#, "<", in: text) }
            #expect(message(unknown.text) != nil)
            #expect(message(unknown.text) == message(wrong.text))
            #expect(unknown.text.contains("The username or password is not right"))
            #expect(!unknown.text.contains("a long enough password"))
            let reasons = try await app.auditRows("auth.signin.failed").map { try $0.get("parameters", as: String?.self) }
            #expect(reasons == [#"{"reason":"unknown user"}"#, #"{"reason":"wrong password"}"#])
        }
    }

    @Test func aSuccessClearsThePairCount() async throws {
        try await withApp { app in
            try await app.user("ada", .admin)
            let browser = TestBrowser(app)
            for _ in 0..<4 { _ = try await fail(browser) }
            #expect(try await browser.signIn("ada").status == .seeOther)
            try await browser.get("/profile")
            #expect(try await browser.post("/signout").status == .seeOther)
            for _ in 0..<4 { #expect(try await fail(browser).status == .unauthorized) }
        }
    }
}
