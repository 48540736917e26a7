import Testing
import WharfApp
import WharfHTTP
import WharfSQLite
import WharfWire

@Suite struct SessionTests {
    /// User agents are kept for audit rows and sessions up to 256 characters, cut on a character
    /// boundary.
    @Test func userAgentsAreKeptUpTo256Characters() {
        #expect(AuthenticationMiddleware.truncated("curl/8.5") == "curl/8.5")
        let exact = String(repeating: "a", count: 256)
        #expect(AuthenticationMiddleware.truncated(exact) == exact)
        #expect(AuthenticationMiddleware.truncated(exact + "b") == exact)
        let wide = String(repeating: "é", count: 300)  // 600 bytes
        #expect(AuthenticationMiddleware.truncated(wide) == String(repeating: "é", count: 256))
        let short = String(repeating: "é", count: 200)  // 400 bytes, 200 characters: kept whole
        #expect(AuthenticationMiddleware.truncated(short) == short)
    }

    @Test func signInSetsAHardenedCookieAndRotatesTheID() async throws {
        try await withApp { app in
            try await app.user("ada", .admin)
            let browser = TestBrowser(app)
            try await browser.get("/signin")
            let pre = try #require(browser.cookie("wharf_pre"))
            let response = try await browser.post("/signin", [("username", "ada"), ("password", "a long enough password"), ("next", "/users")])
            #expect(response.status == .seeOther)
            #expect(response.location == "/users")
            let cookie = try #require(response.headers.values("Set-Cookie").first { $0.hasPrefix("wharf_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"))
            let first = try #require(browser.cookie("wharf_session"))
            #expect(first.utf8.count == 43)
            #expect(first != pre)
            #expect(browser.cookie("wharf_pre") == nil)
            // Stored only hashed.
            let stored = try await app.app.database.read { connection in
                try connection.query("SELECT token_hash FROM sessions").map { try $0.get(0, as: String.self) }
            }
            #expect(stored == [SessionStore.hash(first)])
            // Signing in again (a privilege change) gives a new id and ends the old session.
            try await browser.get("/profile")
            try await browser.post("/signin", [("username", "ada"), ("password", "a long enough password")])
            let second = try #require(browser.cookie("wharf_session"))
            #expect(second != first)
            let count = try await app.app.database.read { connection in try connection.queryValue("SELECT count(*) FROM sessions", as: Int.self) }
            #expect(count == 1)
            #expect(try await app.auditActions().filter { $0 == "auth.signin.ok" }.count == 2)
        }
    }

    @Test func overTLSCookiesAreSecureWithTheHostPrefix() async throws {
        try await withApp { app in
            try await app.user("ada", .admin)
            let browser = TestBrowser(app)
            browser.secure = true
            browser.origin = "https://localhost"
            let page = try await browser.get("/signin")
            #expect(page.headers.values("Set-Cookie").first?.hasPrefix("__Host-wharf_pre=") == true)
            let response = try await browser.post("/signin", [("username", "ada"), ("password", "a long enough password")])
            let cookie = try #require(response.headers.values("Set-Cookie").first { $0.hasPrefix("__Host-wharf_session=") })
            #expect(cookie.contains("; Secure"))
            #expect(cookie.contains("Path=/"))
            #expect(!cookie.contains("Domain"))
            #expect(try await browser.get("/profile").status == .ok)
            // The unprefixed name means nothing over TLS.
            let raw = try #require(browser.cookie("__Host-wharf_session"))
            browser.setCookie("__Host-wharf_session", nil)
            browser.setCookie("wharf_session", raw)
            #expect(try await browser.get("/profile").status == .seeOther)
        }
    }

    @Test func sessionsEndAfterTheIdleTimeout() async throws {
        try await withApp { app in
            try await app.user("ada", .admin)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            #expect(try await browser.get("/profile").status == .ok)
            app.time.advance(seconds: 7 * 3600 + 59 * 60)
            #expect(try await browser.get("/profile").status == .ok)   // refreshes last_seen
            app.time.advance(seconds: 7 * 3600 + 59 * 60)
            #expect(try await browser.get("/profile").status == .ok)   // still within 8 h of the last request
            app.time.advance(seconds: 8 * 3600)
            let expired = try await browser.get("/profile")
            #expect(expired.status == .seeOther)
            #expect(expired.location == "/signin?next=%2Fprofile")
            #expect(browser.cookie("wharf_session") == nil)
        }
    }

    @Test func lastSeenIsWrittenAtMostOnceAMinute() async throws {
        try await withApp { app in
            try await app.user("ada", .admin)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            func lastSeen() async throws -> Int64? {
                try await app.app.database.read { connection in try connection.queryValue("SELECT last_seen_ms FROM sessions", as: Int64.self) }
            }
            let start = try await lastSeen()
            app.time.advance(seconds: 30)
            try await browser.get("/profile")
            #expect(try await lastSeen() == start)
            app.time.advance(seconds: 31)
            try await browser.get("/profile")
            #expect(try await lastSeen() == app.time.source.now())
        }
    }

    @Test func sessionsEndAfterTheAbsoluteLifetimeEvenWhenUsed() async throws {
        try await withApp { app in
            try await app.user("ada", .admin)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            for _ in 0..<41 {   // every 4 hours for 6 days 20 hours
                app.time.advance(seconds: 4 * 3600)
                #expect(try await browser.get("/profile").status == .ok)
            }
            app.time.advance(seconds: 4 * 3600)   // 7 days after sign-in
            #expect(try await browser.get("/profile").status == .seeOther)
        }
    }

    /// The signing key behind CSRF tokens is stored sealed under `secret.key`; an earlier
    /// version's clear key is sealed and keeps its tokens valid; a key that no longer opens is
    /// replaced, and both changes are audited.
    @Test func theSigningKeyIsStoredSealed() async throws {
        let accounts = try await testAccounts()
        let database = accounts.database
        func stored() async throws -> String {
            try await database.read { connection in
                try connection.queryValue("SELECT value FROM settings WHERE key = 'signing_key'", as: String.self) ?? ""
            }
        }
        func changes() async throws -> [String] {
            try await database.read { connection in
                try connection.query("SELECT parameters FROM audit_log WHERE action = 'system.secrets.seal' ORDER BY id")
                    .map { try $0.get(0, as: String.self) }
            }
        }
        #expect(try await stored().hasPrefix("sealed:"))
        #expect(try await changes().isEmpty)

        let clear = (0..<32).map { UInt8($0) }
        let clearHex = clear.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        try await database.write { connection in
            try connection.execute("UPDATE settings SET value = ? WHERE key = 'signing_key'", [.text(clearHex)])
        }
        let upgraded = try await AccountServices.make(
            database: database, secretKey: accounts.secretKey, hasher: PasswordHasher(parameters: .testing))
        #expect(upgraded.signer.csrfToken(session: "s") == RequestSigner(key: clear).csrfToken(session: "s"))
        let sealed = try await stored()
        #expect(sealed.hasPrefix("sealed:") && !sealed.contains(clearHex))
        #expect(try await changes().last?.contains(#""change":"sealed""#) == true)

        let otherKey = try await AccountServices.make(
            database: database, secretKey: try testSecretKey(), hasher: PasswordHasher(parameters: .testing))
        #expect(otherKey.signer.csrfToken(session: "s") != upgraded.signer.csrfToken(session: "s"))
        #expect(try await changes().last?.contains(#""change":"replaced""#) == true)
        #expect(try await changes().count == 2)
        await database.close()
    }

    @Test func sessionsSurviveARestartOfTheStore() async throws {
        let time = ManualTime()
        let accounts = try await testAccounts(time: time)
        let user = try await accounts.createUser(username: "ada", role: .admin, password: "a long enough password", by: cliActor)
        let raw = try await accounts.database.write { connection in
            try SessionStore.create(userID: user.id, client: ClientInfo(address: "127.0.0.1", userAgent: nil), now: time.source.now(), on: connection).rawID
        }
        // A second set of services over the same database (a restarted server) knows the session.
        let restarted = try await AccountServices.make(
            database: accounts.database, secretKey: accounts.secretKey, hasher: PasswordHasher(parameters: .testing), time: time.source)
        #expect(try await restarted.sessions.resolve(rawID: raw)?.user.username == "ada")
        #expect(restarted.signer.csrfToken(session: raw) == accounts.signer.csrfToken(session: raw))
        #expect(try await restarted.sessions.resolve(rawID: raw + "x") == nil)
        await accounts.database.close()
    }

    @Test func signOutDeletesTheSession() async throws {
        try await withApp { app in
            try await app.user("ada", .admin)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            let raw = try #require(browser.cookie("wharf_session"))
            try await browser.get("/")
            let response = try await browser.post("/signout")
            #expect(response.location == "/signin?done=signout")
            #expect(browser.cookie("wharf_session") == nil)
            browser.setCookie("wharf_session", raw)   // the old cookie is worthless now
            #expect(try await browser.get("/").status == .seeOther)
            #expect(try await app.auditActions().contains("auth.signout"))
        }
    }

    @Test func passwordChangeEndsOtherSessionsButKeepsThisOne() async throws {
        try await withApp { app in
            try await app.user("ada", .viewer)
            let laptop = TestBrowser(app)
            let phone = TestBrowser(app)
            try await laptop.signIn("ada")
            try await phone.signIn("ada")
            try await laptop.get("/profile")
            let response = try await laptop.post("/profile/password", [
                ("current", "a long enough password"), ("password", "another long password"), ("confirm", "another long password"),
            ])
            #expect(response.location == "/profile?done=password")
            #expect(try await laptop.get("/profile").status == .ok)
            #expect(try await phone.get("/profile").status == .seeOther)
            let rows = try await app.auditRows("profile.password.change")
            #expect(rows.count == 1)
            #expect(try rows[0].get("parameters", as: String?.self)?.contains("password\"") != true)
        }
    }

    @Test func aWrongCurrentPasswordIsShownNextToTheField() async throws {
        try await withApp { app in
            try await app.user("ada", .viewer)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            try await browser.get("/profile")
            let response = try await browser.post("/profile/password", [
                ("current", "not my password"), ("password", "short"), ("confirm", "other"),
            ])
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains(#"id="current-error">This is not your current password."#))
            #expect(response.text.contains(#"id="password-error">Use at least 12 characters"#))
            #expect(response.text.contains(#"id="confirm-error">The two passwords differ."#))
        }
    }

    @Test func nextOnlyAcceptsLocalPaths() {
        #expect(LocalPath.validated("/hosts/1?x=2") == "/hosts/1?x=2")
        for bad in ["//evil.example/", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "hosts", "/a\nb", ""] {
            #expect(LocalPath.validated(bad) == nil)
        }
    }

    @Test func anAnonymousBrowserIsSentToSignInAndBack() async throws {
        try await withApp { app in
            try await app.user("ada", .admin)
            let browser = TestBrowser(app)
            let first = try await browser.get("/users?page=2")
            #expect(first.status == .seeOther)
            #expect(first.location == "/signin?next=%2Fusers%3Fpage%3D2")
            try await browser.get(try #require(first.location))
            let signedIn = try await browser.post("/signin", [
                ("username", "ada"), ("password", "a long enough password"), ("next", "/users?page=2"),
            ])
            #expect(signedIn.location == "/users?page=2")
            try await browser.get("/profile")
            let evil = try await browser.post("/signin", [
                ("username", "ada"), ("password", "a long enough password"), ("next", "//evil.example/"),
            ])
            #expect(evil.location == "/")
        }
    }

    @Test func anAnonymousAPICallGets401JSON() async throws {
        try await withApp { app in
            let response = try await app.respond(HTTPRequest.make(.get, "/api/v1/me"))
            #expect(response.status == .unauthorized)
            #expect(response.headers["Content-Type"] == "application/json")
            #expect(response.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true)
            let json = try await app.respond(HTTPRequest.make(.get, "/profile", headers: ["Host": "localhost", "Accept": "application/json"]))
            #expect(json.status == .unauthorized)
        }
    }
}
