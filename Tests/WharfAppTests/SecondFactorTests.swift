import Testing
import WharfApp
import WharfHTTP
import WharfSQLite

@Suite struct SecondFactorTests {
    /// Enrols `browser`'s user; returns the secret and the recovery codes shown.
    private func enrol(_ app: TestApp, _ browser: TestBrowser) async throws -> (secret: [UInt8], codes: [String]) {
        #expect(try await browser.get("/profile/totp").status == .ok)
        #expect(try await browser.post("/profile/totp/start").location == "/profile/totp")
        let page = try await browser.get("/profile/totp")
        #expect(page.status == .ok)
        let shown = try #require(TestBrowser.between(#"<p class="secret"><code>"#, "<", in: page.text))
        let secret = try #require(Base32.decode(shown))
        #expect(secret.count == 20)
        let code = TOTP.code(secret: secret, step: TOTP.step(atMilliseconds: app.time.source.now()))
        let done = try await browser.post("/profile/totp", [("code", code)])
        #expect(done.status == .ok)
        var codes: [String] = []
        var rest = done.text
        while let code = TestBrowser.between("<li><code>", "</code>", in: rest) {
            codes.append(code)
            rest = String(rest.split(separator: "<li><code>\(code)", maxSplits: 1).last ?? "")
        }
        return (secret, codes)
    }

    @Test func enrolmentShowsTenRecoveryCodesAndRotatesTheSession() async throws {
        try await withApp { app in
            try await app.user("ada", .viewer)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            let before = browser.cookie("wharf_session")
            let (_, codes) = try await enrol(app, browser)
            #expect(codes.count == 10)
            #expect(browser.cookie("wharf_session") != before)
            #expect(try await browser.get("/profile").text.contains("10 recovery codes left"))
            let stored = try await app.app.database.read { connection in
                try connection.query("SELECT code_hash FROM recovery_codes").map { try $0.get(0, as: String.self) }
            }
            #expect(Set(stored) == Set(codes.map { RecoveryCodes.hash($0, key: app.accounts.recoveryCodeKey) }))
            #expect(try await app.auditRows("profile.totp.enable").count == 1)
        }
    }

    /// The secret is stored sealed under the data directory's key, bound to its user: the
    /// database file alone does not give it away.
    @Test func theSecretIsStoredSealed() async throws {
        try await withApp { app in
            let ada = try await app.user("ada", .viewer)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            let (secret, _) = try await enrol(app, browser)
            let stored = try await app.app.database.read { connection in
                try connection.querySingle("SELECT totp_secret, totp_pending_secret FROM users WHERE id = ?", [.integer(ada.id)])
            }
            let sealed = try #require(try stored?.get(0, as: [UInt8]?.self))
            #expect(try stored?.get(1, as: [UInt8]?.self) == nil)
            #expect(sealed.count == 12 + secret.count + 16)
            #expect(!sealed.indices.contains { sealed[$0...].starts(with: secret.prefix(8)) })
            let opened = try await app.app.database.read { connection in
                try UserRepository.totpState(userID: ada.id, key: app.accounts.secretKey, on: connection).secret
            }
            #expect(opened == secret)
        }
    }

    /// Secrets an earlier version stored in the clear are sealed when Wharf starts, audited, and
    /// keep working; under another key they do not open.
    @Test func clearSecretsFromEarlierVersionsAreSealedAtStart() async throws {
        let accounts = try await testAccounts()
        let ada = try await accounts.createUser(username: "ada", role: .viewer, password: "a long enough password", by: cliActor)
        let secret = (0..<TOTP.secretByteCount).map { UInt8($0 * 7 % 256) }
        try await accounts.database.write { connection in
            try connection.execute(
                "UPDATE users SET totp_secret = ?, totp_pending_secret = ? WHERE id = ?",
                [.blob(secret), .blob(secret.reversed()), .integer(ada.id)])
        }
        let restarted = try await AccountServices.make(
            database: accounts.database, secretKey: accounts.secretKey, hasher: PasswordHasher(parameters: .testing))
        let (state, lengths, audited) = try await accounts.database.read { connection in
            (
                try UserRepository.totpState(userID: ada.id, key: restarted.secretKey, on: connection),
                try connection.querySingle("SELECT length(totp_secret), length(totp_pending_secret) FROM users WHERE id = ?", [.integer(ada.id)]),
                try connection.query("SELECT parameters FROM audit_log WHERE action = 'system.secrets.seal'").map { try $0.get(0, as: String.self) }
            )
        }
        #expect(state.secret == secret && state.pending == Array(secret.reversed()))
        #expect(try lengths?.get(0, as: Int.self) == 48 && lengths?.get(1, as: Int.self) == 48)
        #expect(audited.count == 1 && audited.first?.contains(#""sealed":"2""#) == true, "\(audited)")
        // A second start finds nothing left to seal.
        _ = try await AccountServices.make(database: accounts.database, secretKey: accounts.secretKey, hasher: PasswordHasher(parameters: .testing))
        #expect(try await accounts.database.read { connection in
            try connection.queryValue("SELECT count(*) FROM audit_log WHERE action = 'system.secrets.seal'", as: Int.self)
        } == 1)
        await #expect(throws: SecretKeyError.cannotOpen(UserRepository.totpLabel(userID: ada.id, pending: false))) {
            try await accounts.database.read { connection in
                try UserRepository.totpState(userID: ada.id, key: try testSecretKey(), on: connection)
            }
        }
        await accounts.database.close()
    }

    @Test func signInThenAsksForTheCodeAndRefusesReuse() async throws {
        try await withApp { app in
            try await app.user("ada", .viewer)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            let (secret, _) = try await enrol(app, browser)
            try await browser.post("/signout")
            app.time.advance(seconds: 90)

            let first = try await browser.signIn("ada")
            #expect(first.location == "/signin/totp")
            #expect(browser.cookie("wharf_session") == nil)
            #expect(try await browser.get("/profile").status == .seeOther)   // not signed in yet
            #expect(try await browser.get("/signin/totp").text.contains("ada"))
            let code = TOTP.code(secret: secret, step: TOTP.step(atMilliseconds: app.time.source.now()))
            let wrong = try await browser.post("/signin/totp", [("code", "000000" == code ? "111111" : "000000")])
            #expect(wrong.status == .unauthorized)
            let right = try await browser.post("/signin/totp", [("code", code)])
            #expect(right.location == "/")
            #expect(try await browser.get("/profile").status == .ok)
            try await browser.post("/signout")

            // The same code again, within its window, is refused.
            try await browser.signIn("ada")
            try await browser.get("/signin/totp")
            #expect(try await browser.post("/signin/totp", [("code", code)]).status == .unauthorized)
            let failures = try await app.auditRows("auth.signin.failed")
            #expect(failures.count == 2)
            #expect(try failures.allSatisfy { try $0.get("parameters", as: String?.self)?.contains(#""factor":"totp""#) == true })
        }
    }

    @Test func aRecoveryCodeWorksOnce() async throws {
        try await withApp { app in
            try await app.user("ada", .viewer)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            let (_, codes) = try await enrol(app, browser)
            try await browser.post("/signout")
            try await browser.signIn("ada")
            try await browser.get("/signin/totp")
            #expect(try await browser.post("/signin/totp", [("code", codes[3].uppercased())]).location == "/")
            try await browser.get("/profile")
            try await browser.post("/signout")
            try await browser.signIn("ada")
            try await browser.get("/signin/totp")
            #expect(try await browser.post("/signin/totp", [("code", codes[3])]).status == .unauthorized)
        }
    }

    /// Issue 10, item 7: recovery codes are stored as HMAC under a key from `secret.key`, not as
    /// plain SHA-256, so the database file alone does not let anyone test guesses offline.
    @Test func recoveryCodesAreStoredKeyedNotAsPlainSHA256() async throws {
        try await withApp { app in
            try await app.user("ada", .viewer)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            let (_, codes) = try await enrol(app, browser)
            let stored = Set(try await app.app.database.read { connection in
                try connection.query("SELECT code_hash FROM recovery_codes").map { try $0.get(0, as: String.self) }
            })
            #expect(stored.count == 10)
            for code in codes {
                let normalised = code.lowercased().filter { $0 != "-" }
                #expect(!stored.contains(APITokenStore.hash(normalised)), "\(code) is stored as its plain SHA-256")
            }
        }
    }

    /// Codes an earlier version stored as plain SHA-256 still sign in, once.
    @Test func recoveryCodesFromEarlierVersionsStillWorkOnce() async throws {
        try await withApp { app in
            let ada = try await app.user("ada", .viewer)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            _ = try await enrol(app, browser)
            try await browser.post("/signout")
            try await app.app.database.write { connection in
                try connection.execute(
                    "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", [.integer(ada.id), .text(APITokenStore.hash("abcdefghjk"))])
            }
            try await browser.signIn("ada")
            try await browser.get("/signin/totp")
            #expect(try await browser.post("/signin/totp", [("code", "ABCDE-FGHJK")]).location == "/")
            try await browser.get("/profile")
            try await browser.post("/signout")
            try await browser.signIn("ada")
            try await browser.get("/signin/totp")
            #expect(try await browser.post("/signin/totp", [("code", "abcde-fghjk")]).status == .unauthorized)
        }
    }

    /// A sealed secret that no longer opens (the key file replaced, the value changed): the code
    /// step says what happened and changes nothing; recovery codes still sign in.
    @Test func aSecretThatCannotBeOpenedLeavesRecoveryCodes() async throws {
        try await withApp { app in
            let ada = try await app.user("ada", .viewer)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            let (secret, codes) = try await enrol(app, browser)
            try await browser.post("/signout")
            try await app.app.database.write { connection in
                var sealed = try connection.queryValue("SELECT totp_secret FROM users WHERE id = ?", [.integer(ada.id)], as: [UInt8].self) ?? []
                sealed[20] ^= 0x01
                try connection.execute("UPDATE users SET totp_secret = ? WHERE id = ?", [.blob(sealed), .integer(ada.id)])
            }
            try await browser.signIn("ada")
            try await browser.get("/signin/totp")
            let code = TOTP.code(secret: secret, step: TOTP.step(atMilliseconds: app.time.source.now()))
            let refused = try await browser.post("/signin/totp", [("code", code)])
            #expect(refused.status == .internalServerError)
            #expect(refused.text.contains("recovery code"))
            #expect(browser.cookie("wharf_session") == nil)
            try await browser.get("/signin/totp")
            #expect(try await browser.post("/signin/totp", [("code", codes[0])]).location == "/")
        }
    }

    @Test func thePendingStepExpiresAndCannotBeForged() async throws {
        try await withApp { app in
            try await app.user("ada", .viewer)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            _ = try await enrol(app, browser)
            try await browser.post("/signout")
            try await browser.signIn("ada")
            let pending = try #require(browser.cookie("wharf_2fa"))
            browser.setCookie("wharf_2fa", "x" + pending)
            #expect(try await browser.get("/signin/totp").location == "/signin")
            browser.setCookie("wharf_2fa", pending)
            app.time.advance(seconds: 5 * 60)
            #expect(try await browser.get("/signin/totp").location == "/signin")
        }
    }

    @Test func whenAdminsRequireItUsersAreSentToEnrolFirst() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            try await app.user("ada", .viewer)
            let admin = TestBrowser(app)
            try await admin.signIn("root")
            try await admin.get("/users")
            #expect(try await admin.post("/settings/security", [("require_totp", "1")]).status == .seeOther)

            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            let home = try await browser.get("/")
            #expect(home.location == "/profile/totp")
            let page = try await browser.get("/profile/totp")
            #expect(page.text.contains("Admins require two-step sign-in"))
            _ = try await enrol(app, browser)
            #expect(try await browser.get("/").status == .ok)
            // And it cannot be turned off while required.
            try await browser.get("/profile/totp")
            let remove = try await browser.post("/profile/totp/remove", [("password", "a long enough password")])
            #expect(remove.status == .conflict)
        }
    }

    /// And a code from the app (issue 10, item 6).
    @Test func removingItNeedsThePassword() async throws {
        try await withApp { app in
            try await app.user("ada", .viewer)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            let (secret, _) = try await enrol(app, browser)
            app.time.advance(seconds: 30)
            let code = TOTP.code(secret: secret, step: TOTP.step(atMilliseconds: app.time.source.now()))
            try await browser.get("/profile/totp")
            #expect(try await browser.post("/profile/totp/remove", [("password", "wrong password!!"), ("code", code)]).status == .unprocessableContent)
            #expect(try await browser.post(
                "/profile/totp/remove", [("password", "a long enough password"), ("code", code)]).location == "/profile?done=totp")
            #expect(try await app.accounts.user(named: "ada")?.hasTOTP == false)
        }
    }
}
