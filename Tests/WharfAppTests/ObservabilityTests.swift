import WharfWire
import FoundationEssentials
import Glibc
import Testing
import WharfApp
import WharfHTTP
import WharfIO
import WharfSQLite
import WharfTestSupport

/// `/metrics` (admins and the metrics token), `/readyz`, and what static and health responses
/// must not carry.
@Suite struct ObservabilityTests {
    /// A streamed body, collected (the settings page's backup download).
    final class Collector: ResponseBodyWriter, @unchecked Sendable {
        var bytes: [UInt8] = []
        func write(_ chunk: [UInt8]) async throws { bytes += chunk }
    }

    static func body(_ response: HTTPResponse) async throws -> [UInt8] {
        switch response.body {
        case .empty: return []
        case .bytes(let bytes): return bytes
        case .stream(_, let produce), .probedStream(_, let produce):
            let collector = Collector()
            try await produce(collector)
            return collector.bytes
        case .sink(_, _, let attach):
            let collector = StreamProbe.SinkCollector()
            _ = await StreamProbe.SinkCollector.attach(attach, to: collector)
            return Array(collector.text.value.utf8)
        case .upgrade:
            return []
        }
    }

    /// Runs `promtool check metrics` over `text`; returns its complaints (empty when clean).
    static func promtool(_ text: String) async throws -> String {
        let child = try ChildProcess("/usr/bin/promtool", ["check", "metrics"], input: Array(text.utf8))
        let status = await child.waitForExit(timeout: 30)
        let complaints = child.standardOutput + child.standardError
        return status == 0 ? "" : complaints.isEmpty ? "promtool exited \(String(describing: status))" : complaints
    }

    @Test func adminsAndTheMetricsTokenReadMetricsWithRouteTemplatesNeverRawPaths() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            try await app.user("vic", .viewer)
            let admin = TestBrowser(app)
            try await admin.signIn("root")
            try await admin.get("/hosts/12345")  // a raw path that must not become a label
            try await admin.get("/no/such/page")
            let viewer = TestBrowser(app, address: "10.0.0.2")
            try await viewer.signIn("vic")
            #expect(try await viewer.get("/metrics").status == .forbidden)
            _ = try await TestBrowser(app, address: "10.0.0.3").signIn("vic", "wrong password 1")
            // An engine call a user's request makes fails: counted by kind, beside the health checks'.
            try await app.app.hosts.registry.create(HostInput(name: "gone", url: "unix:///nowhere/gone.sock"), by: cliActor)
            #expect(try await admin.get("/api/v1/hosts/gone/containers").status == .badGateway)
            try await app.app.database.write { connection in
                for status in ["succeeded", "succeeded", "running"] {
                    try connection.execute(
                        "INSERT INTO jobs (host_name, kind, target, parameters, status, created_ms) VALUES ('engine-a', 'pull', 'busybox', '{}', ?, 0)",
                        [.text(status)])
                }
            }

            let response = try await admin.get("/metrics")
            #expect(response.status == .ok)
            #expect(response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8")
            let text = response.text
            for family in [
                "wharf_build_info", "wharf_http_requests_total", "wharf_http_request_duration_seconds",
                "wharf_http_connections_open", "wharf_docker_errors_total", "wharf_audit_rows_written_total",
                "wharf_database_size_bytes", "wharf_database_wal_size_bytes", "wharf_signin_failures_total",
                "wharf_signin_throttled_total", "process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds",
                "wharf_uptime_seconds", "wharf_http_event_streams_open", "wharf_http_upgraded_streams_open", "wharf_jobs",
            ] {
                #expect(text.contains("# TYPE \(family) "), "\(family) missing")
            }
            #expect(text.contains(#"wharf_http_requests_total{method="GET",route="/hosts/:host",status="4xx"} 1"#), "\(text.prefix(3000))")
            #expect(text.contains(#"route="unmatched",status="4xx""#))
            #expect(!text.contains("12345") && !text.contains("/no/such/page"))
            #expect(text.contains(#"wharf_signin_failures_total{step="password"} 1"#))
            #expect(text.contains(#"wharf_docker_errors_total{kind="unreachable"}"#), "\(text.prefix(4000))")
            #expect(text.contains(#"wharf_jobs{kind="pull",status="succeeded"} 2"#))
            #expect(text.contains(#"wharf_jobs{kind="pull",status="running"} 1"#))
            #expect(try await Self.promtool(text) == "")

            // The metrics token: shown once, reads /metrics and nothing else; revoked, it stops working.
            let page = try await admin.post("/settings/metrics-token")
            #expect(page.status == .ok)
            let token = try #require(page.text.firstMatch(of: /wharfm_[A-Za-z0-9_-]{43}/).map { String($0.0) })
            #expect(page.text.contains("http://localhost/metrics"), "the snippet names the address the admin used")
            func scrape(_ path: String, _ secret: String) async throws -> HTTPResponse {
                try await app.respond(HTTPRequest.make(.get, path, headers: [
                    "Host": "localhost", "Authorization": "Bearer \(secret)", "Accept": "text/plain",
                ]))
            }
            let scraped = try await scrape("/metrics", token)
            #expect(scraped.status == .ok && scraped.text.contains("wharf_build_info"))
            #expect(try await scrape("/api/v1/me", token).status == .unauthorized)
            #expect(try await scrape("/metrics", token + "x").status == .unauthorized)
            #expect(try await app.auditRows("auth.token.denied").count == 2)
            try await admin.get("/settings")
            #expect(try await admin.post("/settings/metrics-token/revoke").status == .seeOther)
            #expect(try await scrape("/metrics", token).status == .unauthorized)
            #expect(try await app.auditActions().contains("settings.metrics_token.revoke"))
        }
    }

    @Test func readinessReportsTheDatabaseAndOptionallyAHost() async throws {
        try await withApp { app in
            let ready = try await app.respond(HTTPRequest.make(.get, "/readyz"))
            #expect(ready.status == .ok)
            #expect(ready.text == #"{"status":"ready","database":"ok","hosts_up":0}"#)
            let needsHost = try await app.respond(HTTPRequest.make(.get, "/readyz?hosts=1"))
            #expect(needsHost.status == .serviceUnavailable)
            #expect(needsHost.headers["Set-Cookie"] == nil)
        }
    }

    /// Fails on the code before: every response, the stylesheet included, set `wharf_pre`.
    @Test func staticFilesAndHealthChecksSetNoCookieAndPagesDo() async throws {
        try await withApp { app in
            for path in ["/static/css/wharf.css", "/healthz", "/favicon.ico", "/readyz", "/"] {
                let response = try await app.respond(HTTPRequest.make(.get, path, headers: ["Host": "localhost", "Accept": "text/html"]))
                #expect(response.headers["Set-Cookie"] == nil, "\(path): \(response.headers["Set-Cookie"] ?? "")")
            }
            let signIn = try await app.respond(HTTPRequest.make(.get, "/signin", headers: ["Host": "localhost", "Accept": "text/html"]))
            #expect(signIn.headers["Set-Cookie"]?.hasPrefix("wharf_pre=") == true)
        }
    }

    @Test func versionedAssetsAreImmutableAndTextIsGzippedWhenAccepted() async throws {
        try await withApp { app in
            let page = try await app.respond(HTTPRequest.make(.get, "/signin", headers: ["Host": "localhost", "Accept": "text/html"]))
            let css = try #require(page.text.firstMatch(of: /\/static\/css\/wharf\.css\?v=[0-9a-f]+/).map { String($0.0) })
            let plain = try await app.respond(HTTPRequest.make(.get, css, headers: ["Host": "localhost"]))
            #expect(plain.headers["Cache-Control"] == "public, max-age=31536000, immutable")
            #expect(plain.headers["Vary"] == "Accept-Encoding")
            #expect(plain.headers["Content-Encoding"] == nil)
            let zipped = try await app.respond(HTTPRequest.make(.get, css, headers: ["Host": "localhost", "Accept-Encoding": "br, gzip"]))
            #expect(zipped.headers["Content-Encoding"] == "gzip")
            #expect(zipped.headers["Vary"] == "Accept-Encoding")
            #expect(zipped.headers["ETag"] != plain.headers["ETag"])
            let zippedBytes = try await Self.body(zipped)
            #expect(zippedBytes.count * 2 < (try await Self.body(plain)).count, "gzip should at least halve the stylesheet")
            let revalidated = try await app.respond(HTTPRequest.make(.get, css, headers: [
                "Host": "localhost", "Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"] ?? "",
            ]))
            #expect(revalidated.status == .notModified)
        }
    }

    @Test func adminsDownloadAStreamedAuditedBackup() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            let admin = TestBrowser(app)
            try await admin.signIn("root")
            let settings = try await admin.get("/settings")
            #expect(settings.status == .ok)
            #expect(settings.text.contains("secret.key"))
            let response = try await admin.post("/settings/backup")
            #expect(response.status == .ok)
            #expect(response.headers["Content-Disposition"]?.hasPrefix("attachment; filename=\"wharf-backup-") == true)
            guard case .stream(let length, _) = response.body else {
                Issue.record("the backup is not streamed")
                return
            }
            let bytes = try await Self.body(response)
            #expect(bytes.count == length)
            #expect(bytes.starts(with: Array("SQLite format 3\0".utf8)))
            // Nothing is left in the data directory.
            let names = try FileManager.default.contentsOfDirectory(atPath: app.dataDirectory)
            #expect(!names.contains { $0.hasPrefix("backup-download-") }, "\(names)")
            let rows = try await app.auditRows("backup.create")
            #expect(rows.count == 1)
            #expect(try rows.first?.get("source", as: String.self) == "web")
            #expect(try rows.first?.get("actor_name", as: String.self) == "root")
        }
    }
}
