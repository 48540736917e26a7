import FoundationEssentials
import Glibc
import Testing
import WharfApp
import WharfIO
import WharfSQLite
import WharfTestSupport

/// The pages the foundation serves, over a real socket: home, 404, health, static assets, and the
/// headers every HTML response carries.
@Suite struct FoundationPagesTests {
    @Test func healthzAnswersJSONWithTheVersion() async throws {
        try await ApplicationHarness.run { app in
            let response = try await app.get("/healthz")
            #expect(response.status == 200)
            #expect(response["Content-Type"]?.hasPrefix("application/json") == true)
            #expect(response.text == #"{"status":"ok","version":"\#(WharfVersion.current)"}"#)
            #expect(response["X-Request-Id"]?.isEmpty == false)
        }
    }

    @Test func pagesAreRenderedThroughTheLayoutWithItsStylesheet() async throws {
        try await ApplicationHarness.run { app in
            // The dashboard needs a signed-in user; the sign-in page is rendered through the same layout.
            let home = try await app.get("/")
            #expect(home.status == 303)
            #expect(home["Location"]?.hasPrefix("/signin") == true)
            let response = try await app.get("/signin")
            #expect(response.status == 200)
            #expect(response["Content-Type"] == "text/html; charset=utf-8")
            let html = response.text
            #expect(html.hasPrefix("<!doctype html>") || html.hasPrefix("<!DOCTYPE html>"))
            #expect(html.contains("<h1"))
            #expect(html.contains(WharfVersion.current))
            // The stylesheet link is versioned and the asset it names is really served.
            let link = try #require(html.firstMatch(of: /href="(\/static\/css\/wharf\.css\?v=[0-9a-f]+)"/)).1
            let css = try await app.get(String(link))
            #expect(css.status == 200)
            #expect(css["Content-Type"] == "text/css; charset=utf-8")
            #expect(css["Cache-Control"] == "public, max-age=31536000, immutable")
        }
    }

    @Test func everyHTMLResponseCarriesTheSecurityHeaders() async throws {
        try await ApplicationHarness.run { app in
            for target in ["/signin", "/no/such/page"] {
                let response = try await app.get(target)
                let csp = try #require(response["Content-Security-Policy"], "\(target)")
                #expect(csp.contains("default-src 'self'") || csp.contains("default-src 'none'"))
                #expect(csp.contains("frame-ancestors 'none'"))
                #expect(!csp.contains("unsafe-inline"), "no inline script or style is allowed")
                #expect(response["X-Content-Type-Options"] == "nosniff")
                #expect(response["Referrer-Policy"] == "same-origin")
                #expect(response["X-Frame-Options"] == "DENY")
                #expect(response["X-Request-Id"]?.isEmpty == false)
                #expect(!response.text.contains("<script>"), "no inline script in \(target)")
                #expect(!response.text.contains(" style=\""), "no inline style in \(target)")
            }
        }
    }

    @Test func unknownPageIs404HTMLThroughTheLayoutAndJSONForAPIClients() async throws {
        try await ApplicationHarness.run { app in
            let page = try await app.get("/no/such/<page>")
            #expect(page.status == 404)
            #expect(page["Content-Type"] == "text/html; charset=utf-8")
            #expect(page.text.contains("There is no page at this address."))
            #expect(page.text.contains("wharf.css"), "the error page uses the layout")
            #expect(!page.text.contains("<page>"), "nothing from the request is echoed unescaped")

            let api = try await app.get("/api/nothing")
            #expect(api.status == 404)
            #expect(api["Content-Type"]?.hasPrefix("application/json") == true)
            #expect(api.text.contains(#""message":"There is no page at this address.""#))
            #expect(api.text.contains(#""requestId":""#))

            let json = try await app.get("/nothing", headers: [("Accept", "application/json")])
            #expect(json["Content-Type"]?.hasPrefix("application/json") == true)
        }
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        try await ApplicationHarness.run { app in
            let response = try await app.response(to: Wire.request("DELETE", "/healthz"))
            #expect(response.status == 405)
            #expect(response["Allow"]?.contains("GET") == true)
        }
    }

    @Test func theDatabaseIsCreatedPrivateAndMigrated() async throws {
        try await ApplicationHarness.run { app in
            var info = stat()
            #expect(stat(app.dataDirectory + "/wharf.db", &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600, "the database is readable by its owner only")
            let versions = try await app.application.database.read { connection in
                try connection.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.get(0, as: Int64.self) }
            }
            #expect(versions.first == 1)
        }
    }

    /// A template syntax error stops start-up naming the file, line and column.
    @Test func templateSyntaxErrorStopsStartUpNamingFileLineAndColumn() async throws {
        let resources = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: resources) }
        let fileManager = FileManager.default
        for folder in ["Templates", "Public", "migrations"] {
            try fileManager.copyItem(atPath: ApplicationHarness.repositoryRoot + "/" + folder, toPath: resources + "/" + folder)
        }
        let broken = resources + "/Templates/home/index.html"
        try Data("<h1>ok</h1>\n<p>{% if hosts %}\n  {{ hosts.name </p>\n".utf8).write(to: URL(fileURLWithPath: broken))
        do {
            try await ApplicationHarness.run(resources: resources) { _ in }
            Issue.record("start-up succeeded with a broken template")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("home/index.html:3:"), "\(message)")
        }
    }
}
