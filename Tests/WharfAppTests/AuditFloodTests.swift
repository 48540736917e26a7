import WharfWire
import Testing
import WharfApp
import WharfHTTP
import WharfSQLite

/// Issue 10, item 3: anonymous requests cannot fill the audit history. Long strings are cut, a
/// plain redirect to sign-in writes nothing, and repeated denials from one address are one row a
/// minute with a count; decisions about signed-in users are still audited one by one.
@Suite struct AuditFloodTests {
    /// The database's size in bytes as the writer sees it (WAL included).
    private func size(_ app: TestApp) async throws -> Int {
        try await app.app.database.read { connection in
            (try connection.queryValue("PRAGMA page_count", as: Int.self) ?? 0) * (try connection.queryValue("PRAGMA page_size", as: Int.self) ?? 0)
        }
    }

    private func rowCount(_ app: TestApp) async throws -> Int {
        try await app.app.database.read { connection in try connection.queryValue("SELECT count(*) FROM audit_log", as: Int.self) ?? 0 }
    }

    @Test func tenThousandAnonymousRequestsWithLongPathsAndUnknownTokensAddAFewRows() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            let rowsBefore = try await rowCount(app)
            let sizeBefore = try await size(app)
            let long = "/" + String(repeating: "a", count: 8 * 1024 - 1)
            @Sendable func request(_ index: Int) -> HTTPRequest {
                switch index % 4 {
                case 0:  // a browser, not signed in, asking for a protected page: sent to sign-in
                    HTTPRequest.make(.get, "/users" + long, headers: ["Host": "localhost", "Accept": "text/html"])
                case 1:  // an unknown API token
                    HTTPRequest.make(.get, "/api/v1/me" + long, headers: [
                        "Host": "localhost", "Authorization": "Bearer wharf_abcdefgh_" + String(repeating: "x", count: 43),
                    ])
                case 2:  // an API client without a token
                    HTTPRequest.make(.get, "/api/v1/hosts" + long, headers: ["Host": "localhost"])
                default:  // a form posted from another site
                    HTTPRequest.make(.post, "/signin", headers: [
                        "Host": "localhost", "Origin": "https://evil.example" + long, "Content-Type": "application/x-www-form-urlencoded",
                    ], body: Array("username=root&password=x".utf8))
                }
            }
            // One after the other (on one core: the suite runs beside hundreds of other tests).
            for index in 0..<10_000 {
                _ = try await app.respond(request(index), address: "198.51.100.\(index % 5)")
            }
            try await app.accounts.denials.flush(all: true)
            let added = try await rowCount(app) - rowsBefore
            let grown = try await size(app) - sizeBefore
            #expect(added <= 36, "\(added) audit rows for 10,000 anonymous requests")
            #expect(grown < 100 * 1024, "the database grew by \(grown) bytes")
            // Each kind of denial is there, with how often it happened: 2,500 of each, from five
            // addresses, so per address one row and one with the other 499.
            for action in ["auth.token.denied", "auth.csrf.denied", "auth.denied"] {
                let rows = try await app.auditRows(action)
                let total = try rows.reduce(0) { sum, row in
                    let parameters = try row.get("parameters", as: String?.self).flatMap(JSONText.stringObject) ?? [:]
                    return sum + (parameters["repeated"].flatMap { Int($0) } ?? 1)
                }
                #expect(rows.count == 10, "\(action): \(rows.count) rows")
                #expect(total == 2_500, "\(action): \(total) denials counted")
            }
        }
    }

    @Test func userSuppliedStringsAreCutAt256BytesAndMarked() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.get("/signin")
            let name = String(repeating: "é", count: 9_000)
            _ = try await browser.post("/signin", [("username", name), ("password", "whatever it is")], headers: [("User-Agent", String(repeating: "u", count: 10_000))])
            let row = try #require(try await app.auditRows("auth.signin.failed").first)
            let target = try #require(try row.get("target", as: String?.self))
            #expect(target.utf8.count <= 256)
            #expect(target.hasPrefix("éé") && target.hasSuffix("[cut from 18000 bytes]"), "\(target.suffix(40))")
            #expect(try (row.get("user_agent", as: String?.self)?.utf8.count ?? 0) <= 256)
        }
    }

    @Test func aPlainRedirectToSignInWritesNoRow() async throws {
        try await withApp { app in
            let before = try await rowCount(app)
            let response = try await TestBrowser(app).get("/users")
            #expect(response.location?.hasPrefix("/signin?next=") == true)
            #expect(try await rowCount(app) == before)
        }
    }

    @Test func denialsOfSignedInUsersAreEachAudited() async throws {
        try await withApp { app in
            try await app.user("vic", .viewer)
            let browser = TestBrowser(app)
            try await browser.signIn("vic")
            for _ in 0..<3 { #expect(try await browser.get("/users").status == .forbidden) }
            #expect(try await app.auditRows("auth.denied").count == 3)
        }
    }
}
