import Testing
import WharfApp
import WharfHTTP
import WharfSQLite
import WharfWire

@Suite struct APITokenTests {
    private func me(_ app: TestApp, _ authorization: String?, target: String = "/api/me") async throws -> HTTPResponse {
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
            #expect(response.text == #"{"id":\#(ada.id),"username":"ada","role":"operator","via":"token"}"#)
            #expect(try await app.auditRows("token.create").count == 1)
        }
    }

    @Test func tokensAreNeverTakenFromTheQueryString() async throws {
        try await withApp { app in
            let ada = try await app.user("ada", .admin)
            let created = try await app.accounts.createToken(userID: ada.id, name: "ci", role: nil, expiresInDays: nil, by: cliActor)
            for name in ["token", "access_token", "api_key"] {
                #expect(try await me(app, nil, target: "/api/me?\(name)=\(created.secret)").status == .unauthorized)
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
