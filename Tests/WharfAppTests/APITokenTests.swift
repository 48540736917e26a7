import Testing
import WharfApp
import WharfHTTP
import WharfSQLite
import WharfWire

@Suite struct APITokenTests {
    private func me(_ app: TestApp, _ authorization: String?, target: String = "/api/v1/me") async throws -> HTTPResponse {
        var headers: HTTPHeaders = ["Host": "localhost"]
        if let authorization { headers.add("Authorization", authorization) }
        return try await app.respond(HTTPRequest.make(.get, target, headers: headers))
    }

    @Test func aTokenIsShownOnceStoredHashedAndAcceptedAsBearer() async throws {
        try await withApp { app in
            let ada = try await app.user("ada", .operator)
            let created = try await app.accounts.createToken(userID: ada.id, name: "ci", role: nil, expiresInDays: nil, by: cliActor)
            #expect(created.secret.hasPrefix(created.token.prefix + "_"))
            #expect(created.token.prefix.hasPrefix("wharf_") && created.token.prefix.count == 14)
            #expect(APITokenStore.looksLikeToken(created.secret))
            let stored = try await app.app.database.read { connection in
                try connection.query("SELECT token_hash FROM api_tokens").map { try $0.get(0, as: String.self) }
            }
            #expect(stored == [APITokenStore.hash(created.secret)])
            let response = try await me(app, "Bearer \(created.secret)")
            #expect(response.status == .ok)
            #expect(response.text == #"{"id":\#(ada.id),"role":"operator","username":"ada","via":"token"}"#)
            #expect(try await app.auditRows("token.create").count == 1)
        }
    }

    @Test func tokensAreNeverTakenFromTheQueryString() async throws {
        try await withApp { app in
            let ada = try await app.user("ada", .admin)
            let created = try await app.accounts.createToken(userID: ada.id, name: "ci", role: nil, expiresInDays: nil, by: cliActor)
            for name in ["token", "access_token", "api_key"] {
                #expect(try await me(app, nil, target: "/api/v1/me?\(name)=\(created.secret)").status == .unauthorized)
            }
        }
    }

    @Test func anExpiredTokenIs401AndAudited() async throws {
        try await withApp { app in
            let ada = try await app.user("ada", .admin)
            let created = try await app.accounts.createToken(userID: ada.id, name: "ci", role: nil, expiresInDays: 1, by: cliActor)
            #expect(try await me(app, "Bearer \(created.secret)").status == .ok)
            app.time.advance(seconds: 86_400)
            let response = try await me(app, "Bearer \(created.secret)")
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("expired"))
            #expect(response.headers["WWW-Authenticate"]?.contains("invalid_token") == true)
            let rows = try await app.auditRows("auth.token.denied")
            #expect(rows.count == 1)
            #expect(try rows[0].get("source", as: String.self) == "api")
            #expect(try rows[0].get("actor_name", as: String?.self) == "ada")
            #expect(try rows[0].get("target", as: String?.self) == created.token.prefix)
            #expect(try rows[0].get("parameters", as: String?.self) == #"{"reason":"expired"}"#)
        }
    }

    @Test func aRevokedTokenIs401AndAudited() async throws {
        try await withApp { app in
            try await app.user("ada", .viewer)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            try await browser.get("/profile")
            let page = try await browser.post("/profile/tokens", [("name", "laptop"), ("role", "viewer"), ("expires_days", "")])
            #expect(page.status == .ok)
            let secret = try #require(TestBrowser.between(#"<code class="token-value">"#, "<", in: page.text))
            #expect(try await me(app, "Bearer \(secret)").status == .ok)
            // The page lists the token by its prefix only, with a revoke button.
            let list = try await browser.get("/profile")
            #expect(!list.text.contains(secret))
            let token = try #require(try await app.app.database.read { connection in try APITokenStore.list(userID: 1, on: connection) }.first)
            #expect(list.text.contains(token.prefix))
            let revoked = try await browser.post("/profile/tokens/\(token.id)/revoke")
            #expect(revoked.location == "/profile?done=token")
            let response = try await me(app, "Bearer \(secret)")
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("revoked"))
            #expect(try await app.auditRows("token.revoke").count == 1)
            #expect(try await app.auditRows("auth.token.denied").count == 1)
        }
    }

    @Test func unknownAndMalformedTokensAre401() async throws {
        try await withApp { (app: TestApp) async throws in
            #expect(try await me(app, "Bearer wharf_abcdefgh_" + String(repeating: "A", count: 43)).status == .unauthorized)
            #expect(try await me(app, "Basic YWRhOnB3").status == .unauthorized)
            #expect(try await me(app, "Bearer").status == .unauthorized)
            #expect(try await app.auditRows("auth.token.denied").count == 1)
        }
    }

    @Test func aTokenCannotOutrankItsOwnerNowOrLater() async throws {
        try await withApp { app in
            let ada = try await app.user("ada", .operator)
            await #expect(throws: AccountError.self) {
                try await app.accounts.createToken(userID: ada.id, name: "x", role: .admin, expiresInDays: nil, by: cliActor)
            }
            let created = try await app.accounts.createToken(userID: ada.id, name: "x", role: .operator, expiresInDays: nil, by: cliActor)
            try await app.accounts.changeRole(userID: ada.id, to: .viewer, by: cliActor)
            #expect(try await me(app, "Bearer \(created.secret)").text.contains(#""role":"viewer""#))
        }
    }

    @Test func aDisabledOwnersTokensStopWorking() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            let ada = try await app.user("ada", .viewer)
            let created = try await app.accounts.createToken(userID: ada.id, name: "x", role: nil, expiresInDays: nil, by: cliActor)
            try await app.accounts.setDisabled(userID: ada.id, true, by: cliActor)
            #expect(try await me(app, "Bearer \(created.secret)").status == .unauthorized)
        }
    }
}

/// Issue 10, item 1: an API token cannot change its owner's account, and a token never outranks
/// or outlives whoever made it.
@Suite struct TokenEscalationTests {
    private func bearer(_ app: TestApp, _ secret: String, _ method: HTTPMethod, _ target: String, form: String = "") async throws -> HTTPResponse {
        try await app.respond(HTTPRequest.make(method, target, headers: [
            "Host": "localhost", "Authorization": "Bearer \(secret)", "Content-Type": "application/x-www-form-urlencoded",
        ], body: Array(form.utf8)))
    }

    /// The reproduction from the issue: a viewer token expiring in a day asks /profile/tokens
    /// for an admin token with no expiry.
    @Test func aViewerTokenCannotMintAnAdminToken() async throws {
        try await withApp { app in
            let boss = try await app.user("boss", .admin)
            let viewer = try await app.accounts.createToken(userID: boss.id, name: "ci", role: .viewer, expiresInDays: 1, by: cliActor)
            let response = try await bearer(app, viewer.secret, .post, "/profile/tokens", form: "name=x&role=admin")
            #expect(response.status == .forbidden)
            #expect(response.text.contains("browser"), "\(response.text)")
            let tokens = try await app.app.database.read { connection in try APITokenStore.list(userID: boss.id, on: connection) }
            #expect(tokens.count == 1)
            let denied = try await app.auditRows("auth.denied")
            #expect(denied.count == 1)
            #expect(try denied.first?.get("target", as: String?.self) == "POST /profile/tokens")
            #expect(try denied.first?.get("source", as: String.self) == "api")
            #expect(try await app.auditRows("token.create").count == 1)
        }
    }

    /// Whatever path asks (a service call carrying a token principal, a browser session, the CLI),
    /// the new token's role is at most min(caller's token, owner) and, for a token caller, its
    /// expiry at most the caller's.
    @Test func aTokenCreatedThroughAnyPathNeverExceedsItsCreator() async throws {
        try await withApp { app in
            let boss = try await app.user("boss", .admin)
            let day = try await app.accounts.createToken(userID: boss.id, name: "ci", role: .operator, expiresInDays: 1, by: cliActor)
            let caller = Principal(
                userID: boss.id, username: "boss", role: .operator, credential: .token(id: day.token.id, prefix: day.token.prefix),
                csrfToken: nil)
            await #expect(throws: AccountError.self) {
                try await app.accounts.createToken(
                    userID: boss.id, name: "x", role: .admin, expiresInDays: nil, by: cliActor, cappedBy: caller)
            }
            let unlimited = try await app.accounts.createToken(
                userID: boss.id, name: "y", role: nil, expiresInDays: nil, by: cliActor, cappedBy: caller)
            #expect(unlimited.token.role == .operator)
            #expect(unlimited.token.expiresMilliseconds == day.token.expiresMilliseconds)
            let longer = try await app.accounts.createToken(
                userID: boss.id, name: "z", role: .viewer, expiresInDays: 30, by: cliActor, cappedBy: caller)
            #expect(longer.token.expiresMilliseconds == day.token.expiresMilliseconds)
            #expect(try await app.auditRows("token.create").last?.get("parameters", as: String?.self)?.contains("expiry_capped") == true)
            // A revoked caller creates nothing.
            try await app.app.database.write { connection in
                _ = try APITokenStore.revoke(id: day.token.id, userID: boss.id, now: app.time.source.now(), on: connection)
            }
            await #expect(throws: AccountError.self) {
                try await app.accounts.createToken(userID: boss.id, name: "w", role: .viewer, expiresInDays: 1, by: cliActor, cappedBy: caller)
            }
            // A browser session: up to the user's own role.
            let vic = try await app.user("vic", .viewer)
            let browser = TestBrowser(app)
            try await browser.signIn("vic")
            try await browser.get("/profile")
            #expect(try await browser.post("/profile/tokens", [("name", "laptop"), ("role", "admin")]).status == .unprocessableContent)
            let vicTokens = try await app.app.database.read { connection in try APITokenStore.list(userID: vic.id, on: connection) }
            #expect(vicTokens.isEmpty)
        }
    }

    @Test func aTokenCannotStartTOTPEnrolmentOrEndSessions() async throws {
        try await withApp { app in
            let boss = try await app.user("boss", .admin)
            let token = try await app.accounts.createToken(userID: boss.id, name: "ci", role: .admin, expiresInDays: nil, by: cliActor)
            #expect(try await bearer(app, token.secret, .get, "/profile/totp").status == .forbidden)
            #expect(try await bearer(app, token.secret, .post, "/profile/totp", form: "code=123456").status == .forbidden)
            let pending = try await app.app.database.read { connection in
                try connection.queryValue("SELECT totp_pending_secret IS NOT NULL FROM users WHERE id = ?", [.integer(boss.id)], as: Bool.self)
            }
            #expect(pending == false)
        }
    }
}
