import Testing
import WharfApp
import WharfHTTP
import WharfSQLite

@Suite struct UserAdminTests {
    private func admin(_ app: TestApp) async throws -> TestBrowser { try await app.signedInAdmin(on: "/users") }

    @Test func createKeepsWhatWasTypedAndSaysWhatIsWrong() async throws {
        try await withApp { app in
            let browser = try await admin(app)
            try await browser.get("/users/new")
            let bad = try await browser.post("/users", [("username", "root"), ("role", "operator"), ("password", "long enough pass"), ("confirm", "long enough pass")])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains(#"id="username-error">That username is taken."#))
            #expect(bad.text.contains(#"value="root""#))
            #expect(bad.text.contains(#"<option value="operator" selected>"#))
            let good = try await browser.post("/users", [("username", "ada"), ("role", "operator"), ("password", "long enough pass"), ("confirm", "long enough pass")])
            #expect(good.status == .seeOther)
            let ada = try #require(try await app.accounts.user(named: "ada"))
            #expect(ada.role == .operator)
            #expect(good.location == "/users/\(ada.id)?done=created")
            let rows = try await app.auditRows("user.create")
            #expect(try rows.last?.get("source", as: String.self) == "web")
            #expect(try rows.last?.get("actor_name", as: String?.self) == "root")
            #expect(try rows.last?.get("parameters", as: String?.self)?.contains("long enough") == false)
        }
    }

    @Test func roleChangeDisableResetAndRevokeEndTheUsersSessions() async throws {
        try await withApp { app in
            let browser = try await admin(app)
            let ada = try await app.user("ada", .viewer)
            let adaBrowser = TestBrowser(app)
            func adaSignedIn() async throws -> Bool { try await adaBrowser.get("/profile").status == .ok }

            try await adaBrowser.signIn("ada")
            try await browser.get("/users/\(ada.id)")
            #expect(try await browser.post("/users/\(ada.id)/role", [("role", "operator")]).location == "/users/\(ada.id)?done=role")
            #expect(try await app.accounts.user(id: ada.id)?.role == .operator)
            #expect(try await !adaSignedIn())

            try await adaBrowser.signIn("ada")
            #expect(try await browser.post("/users/\(ada.id)/sessions/revoke").status == .seeOther)
            #expect(try await !adaSignedIn())

            try await adaBrowser.signIn("ada")
            #expect(try await browser.post("/users/\(ada.id)/password", [("password", "brand new password"), ("confirm", "brand new password")]).status == .seeOther)
            #expect(try await !adaSignedIn())
            #expect(try await adaBrowser.signIn("ada").status == .unauthorized)
            #expect(try await adaBrowser.signIn("ada", "brand new password").status == .seeOther)

            #expect(try await browser.post("/users/\(ada.id)/disable").status == .seeOther)
            #expect(try await !adaSignedIn())
            let refused = try await adaBrowser.signIn("ada", "brand new password")
            #expect(refused.status == .unauthorized)
            #expect(refused.text.contains("This account is disabled"))
            #expect(try await browser.post("/users/\(ada.id)/enable").status == .seeOther)
            #expect(try await adaBrowser.signIn("ada", "brand new password").status == .seeOther)

            let actions = try await app.auditActions()
            for action in ["user.role.change", "user.sessions.revoke", "user.password.reset", "user.disable", "user.enable"] {
                #expect(actions.contains(action), "\(action) was not audited")
            }
        }
    }

    @Test func theLastAdminCannotBeDemotedOrDisabled() async throws {
        try await withApp { app in
            let browser = try await admin(app)
            try await browser.get("/users/1")
            let response = try await browser.post("/users/1/role", [("role", "viewer")])
            #expect(response.status == .conflict)
            #expect(response.text.contains("last enabled admin"))
            #expect(try await browser.post("/users/1/disable").status == .conflict)
            #expect(try await app.accounts.user(id: 1)?.role == .admin)
        }
    }

    @Test func anUnknownUserIs404() async throws {
        try await withApp { app in
            let browser = try await admin(app)
            #expect(try await browser.get("/users/999").status == .notFound)
            #expect(try await browser.get("/users/abc").status == .notFound)
        }
    }

    @Test func theHeaderShowsTheUserTheirRoleAndAdminLinks() async throws {
        try await withApp { app in
            let browser = try await admin(app)
            let page = try await browser.get("/")
            #expect(page.text.contains(#"<span class="account-name">root</span>"#))
            #expect(page.text.contains(#"<a href="/users">Users</a>"#))
            #expect(page.text.contains(#"<a href="/audit">Audit</a>"#))
            #expect(page.text.contains(#"action="/signout""#))
            try await app.user("vic", .viewer)
            let viewer = TestBrowser(app)
            try await viewer.signIn("vic")
            let viewerPage = try await viewer.get("/")
            #expect(!viewerPage.text.contains(#"href="/users""#))
            #expect(!viewerPage.text.contains(#"href="/audit""#))
            #expect(viewerPage.text.contains(#"href="/profile""#))
        }
    }
}
