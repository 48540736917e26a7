import Testing
import WharfApp
import WharfHTTP
import WharfSQLite

/// Issue 10, item 9: a GET changes nothing (a link, a prefetch or an image tag must not be able
/// to), except that the audit export records itself; and expired sessions are removed hourly,
/// not only at start-up.
@Suite struct SafeMethodTests {
    /// Every table but the audit history's, row by row.
    static let tables = ["users", "sessions", "api_tokens", "recovery_codes", "hosts", "host_grants", "settings", "setup_tokens"]

    private func snapshot(_ app: TestApp) async throws -> [String: [Row]] {
        try await app.app.database.read { connection in
            var state: [String: [Row]] = [:]
            for table in Self.tables { state[table] = try connection.query("SELECT * FROM \(table) ORDER BY rowid") }
            return state
        }
    }

    @Test func noGETRouteChangesAnything() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            try await app.user("vic", .viewer)
            try await app.app.hosts.registry.create(HostInput(name: "alpha", url: "unix:///nowhere/alpha.sock"), by: cliActor)
            for username in [nil, "vic", "root"] as [String?] {
                let browser = TestBrowser(app, address: "10.0.2.\(username?.count ?? 0)")
                if let username { try await browser.signIn(username) } else { try await browser.get("/signin") }
                for route in app.app.responder.router.routes where route.method == .get {
                    let path = PermissionTableTests.path(for: route.pattern)
                    let before = try await snapshot(app)
                    try await browser.get(path)
                    let after = try await snapshot(app)
                    for table in Self.tables where before[table] != after[table] {
                        Issue.record("GET \(path) as \(username ?? "anonymous") changed \(table)")
                    }
                }
            }
        }
    }

    @Test func theAuditExportWritesItsAuditRowAndNothingElse() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            let browser = TestBrowser(app)
            try await browser.signIn("root")
            let before = try await snapshot(app)
            let rows = try await app.auditActions().count
            #expect(try await browser.get("/audit/export.csv").status == .ok)
            #expect(try await snapshot(app) == before)
            #expect(try await app.auditActions().count == rows + 1)
            #expect(try await app.auditActions().last == "audit.export")
        }
    }

    /// The pending TOTP secret is made by a POST (the page's "Set up" button), then shown by
    /// the GET; a reload shows the same one.
    @Test func totpEnrolmentStoresItsPendingSecretOnPOST() async throws {
        try await withApp { app in
            let ada = try await app.user("ada", .viewer)
            let browser = TestBrowser(app)
            try await browser.signIn("ada")
            let page = try await browser.get("/profile/totp")
            #expect(page.status == .ok)
            #expect(page.text.contains(#"action="/profile/totp/start""#))
            #expect(!page.text.contains(#"<p class="secret">"#))
            let started = try await browser.post("/profile/totp/start")
            #expect(started.location == "/profile/totp")
            let shown = try await browser.get("/profile/totp")
            let secret = try #require(TestBrowser.between(#"<p class="secret"><code>"#, "<", in: shown.text))
            #expect(TestBrowser.between(#"<p class="secret"><code>"#, "<", in: try await browser.get("/profile/totp").text) == secret)
            let pending = try await app.app.database.read { connection in
                try UserRepository.totpState(userID: ada.id, key: app.accounts.secretKey, on: connection).pending
            }
            #expect(pending.map(Base32.encode).map(Base32.grouped) == secret)
        }
    }

    @Test func expiredSessionsArePurgedWhileTheServerRuns() async throws {
        let app = try await TestApp.make(configure: { $0.upkeepInterval = 0.05 })
        try await app.user("ada", .viewer)
        try await TestBrowser(app).signIn("ada")
        func sessions() async throws -> Int {
            try await app.app.database.read { connection in try connection.queryValue("SELECT count(*) FROM sessions", as: Int.self) ?? 0 }
        }
        #expect(try await sessions() == 1)
        try app.app.start()
        app.time.advance(seconds: 9 * 3600)  // past the 8-hour idle timeout
        let deadline = ContinuousClock.now + .seconds(10)
        while try await sessions() > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(try await sessions() == 0)
        await app.shutdown()
    }
}
