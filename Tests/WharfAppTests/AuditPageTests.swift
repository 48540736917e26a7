import FoundationEssentials
import Testing
import WharfApp
import WharfHTTP
import WharfSQLite
import WharfTestSupport
import WharfWire

/// The audit page, its row detail and its exports, in process.
@Suite struct AuditPageTests {
    static let base: Int64 = 1_795_478_400_000  // 2026-11-24T00:00:00Z

    /// `count` rows: every third by "ops" and failed, hosts 1–3 in turn, one minute apart.
    static func fill(_ app: TestApp, _ count: Int) async throws {
        try await app.app.database.write { connection in
            for index in 0..<count {
                try AuditLog.append(AuditEntry(
                    action: index % 3 == 0 ? "container.stop" : "container.start", outcome: index % 3 == 0 ? .failed : .ok,
                    source: .web, actorID: 9, actorName: index % 3 == 0 ? "ops" : "dev", hostID: Int64(index % 3 + 1),
                    target: "web-\(index)", parameters: ["n": String(index)], httpStatus: 200,
                    timeMilliseconds: base + Int64(index) * 60_000), on: connection)
            }
        }
    }

    static func admin(_ app: TestApp) async throws -> TestBrowser {
        try await app.user("root", .admin)
        let browser = TestBrowser(app)
        #expect(try await browser.signIn("root").status == .seeOther)
        return browser
    }

    /// The ids in the page's table, in order.
    static func ids(_ html: String) -> [Int64] {
        html.matches(of: /<td class="num hide-narrow"><a href="\/audit\/([0-9]+)">/).compactMap { Int64(String($0.output.1)) }
    }

    static func next(_ html: String) -> String? {
        html.firstMatch(of: /href="([^"]*)" rel="next"/).map { String($0.output.1).replacing("&amp;", with: "&") }
    }

    @Test func keysetPagesWalkEveryRowNewestFirst() async throws {
        try await withApp { app in
            let browser = try await Self.admin(app)
            try await Self.fill(app, 130)
            var seen: [Int64] = []
            var target: String? = "/audit"
            var pages = 0
            while let current = target {
                let response = try await browser.get(current)
                #expect(response.status == .ok)
                let ids = Self.ids(response.text)
                #expect(ids.count <= 50)
                seen += ids
                target = Self.next(response.text)
                pages += 1
                #expect(!current.contains("offset"))
            }
            let total = try await app.app.database.read { connection in try connection.queryValue("SELECT count(*) FROM audit_log", as: Int.self) }
            #expect(pages == 3)
            #expect(seen.count == total)
            #expect(seen == seen.sorted(by: >))
        }
    }

    @Test func filtersSelectAndTheFormKeepsItsValues() async throws {
        try await withApp { app in
            let browser = try await Self.admin(app)
            try await Self.fill(app, 90)
            let failed = try await browser.get("/audit?actor=OPS&outcome=failed&action=container.&host=1")
            #expect(failed.status == .ok)
            let ids = Self.ids(failed.text)
            #expect(ids.count == 30)
            let rows = try await app.app.database.read { connection in
                try AuditRepository.page(AuditFilter(actor: "ops", hostID: 1, actionPrefix: "container.", outcome: .failed), before: nil, limit: 100, on: connection)
            }
            #expect(ids == rows.map(\.id))
            #expect(failed.text.contains(#"name="actor" value="OPS""#))
            #expect(failed.text.contains(#"<option value="failed" selected>"#))
            #expect(failed.text.contains(#"name="host" value="1""#))

            let target = try await browser.get("/audit?target=WEB-4")  // web-4, web-40…web-49
            #expect(Self.ids(target.text).count == 11)
            let window = try await browser.get("/audit?from=2026-11-24T00:10&to=2026-11-24T00:19")  // rows 10–19
            #expect(Self.ids(window.text).count == 10)
            #expect(window.text.contains(#"name="from" value="2026-11-24T00:10""#))
            let prefix = try await browser.get("/audit?action=container.st")
            #expect(Self.ids(prefix.text).count == 50)
            let none = try await browser.get("/audit?action=image.")
            #expect(Self.ids(none.text).isEmpty && none.text.contains("No audit rows match"))
        }
    }

    @Test(arguments: [("host=abc", "Enter a host id"), ("outcome=maybe", "Choose ok, failed or denied"),
                      ("from=tomorrow", "Enter a UTC date"), ("from=2026-11-25&to=2026-11-24T00:00", "The end must come after")])
    func invalidFiltersAnswer422NextToTheField(query: String, message: String) async throws {
        try await withApp { app in
            let browser = try await Self.admin(app)
            let response = try await browser.get("/audit?" + query)
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains(message), "\(response.text)")
            #expect(response.text.contains("field-error"))
            #expect(try await browser.get("/audit?before=x").status == .badRequest)
        }
    }

    @Test func detailShowsEveryFieldAndUnknownIdsAre404() async throws {
        try await withApp { app in
            let browser = try await Self.admin(app)
            try await app.app.audit.record(AuditEntry(
                action: "container.exec", outcome: .denied, source: .api, actorID: 3, actorName: "mallory",
                clientAddress: "192.0.2.7", userAgent: "curl/8", hostID: 2, target: "<db>", parameters: ["cmd": "sh -c 'id'"],
                httpStatus: 403, error: "not granted", durationMilliseconds: 12))
            let id = try await app.app.database.read { connection in try AuditRepository.lastID(on: connection) }
            let record = try #require(try await app.app.database.read { connection in try AuditRepository.record(id: id, on: connection) })
            let page = try await browser.get("/audit/\(id)")
            #expect(page.status == .ok)
            for text in ["mallory", "192.0.2.7", "curl/8", "&lt;db&gt;", "not granted", "12 ms", "403", record.hash, record.prevHash,
                         "{\n  &quot;cmd&quot;: &quot;sh -c &#39;id&#39;&quot;\n}"] {
                #expect(page.text.contains(text), "detail lacks \(text)")
            }
            #expect(try await browser.get("/audit/999999").status == .notFound)
            #expect(try await browser.get("/audit/abc").status == .notFound)
        }
    }

    /// Runs a streamed body into memory, counting the writes.
    static func collect(_ response: HTTPResponse) async throws -> (bytes: [UInt8], writes: Int) {
        final class Sink: ResponseBodyWriter, @unchecked Sendable {
            // Only the producer task writes, one write at a time.
            var bytes: [UInt8] = []
            var writes = 0
            func write(_ chunk: [UInt8]) async throws {
                bytes += chunk
                writes += 1
            }
        }
        guard case .stream(_, let produce) = response.body else { return (response.bodyBytes ?? [], 1) }
        let sink = Sink()
        try await produce(sink)
        return (sink.bytes, sink.writes)
    }

    @Test func csvExportStreamsEveryRowEscapedAndNeutralised() async throws {
        try await withApp { app in
            let browser = try await Self.admin(app)
            try await Self.fill(app, 3000)
            for target in ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "a,b \"quoted\"\nsecond line"] {
                try await app.app.audit.record(AuditEntry(action: "odd.target", outcome: .ok, source: .web, target: target))
            }
            let response = try await browser.get("/audit/export.csv")
            #expect(response.status == .ok)
            #expect(response.headers["Content-Type"] == "text/csv; charset=utf-8")
            #expect(response.headers["Content-Disposition"]?.hasPrefix("attachment;") == true)
            let (bytes, writes) = try await Self.collect(response)
            #expect(writes > 5, "the export is written in batches, not buffered whole")
            let text = String(decoding: bytes, as: UTF8.self)
            let lines = text.components(separatedBy: "\r\n")
            #expect(lines.first == "id,time,actor_id,actor_name,source,client_address,user_agent,action,host_id,target,parameters,outcome,http_status,error,duration_ms,prev_hash,hash")
            #expect(text.contains(#","'=HYPERLINK(""http://x"")","#))
            #expect(text.contains(",'+1,") && text.contains(",'-2,") && text.contains(",'@SUM(A1),"))
            #expect(text.contains("\"a,b \"\"quoted\"\"\nsecond line\""))
            #expect(text.contains(#","{""n"":""0""}","#))
            #expect(text.contains(",2026-11-24T00:00:00.000Z,9,ops,web,"))
            let exported = try await app.auditRows("audit.export")
            #expect(exported.count == 1)
            // Every row, the export's own audit row included: the header, the rows (the embedded LF
            // is not a CRLF), and the empty text after the last CRLF.
            let total = try await app.app.database.read { connection in try connection.queryValue("SELECT count(*) FROM audit_log", as: Int.self) } ?? 0
            #expect(total > 3005)
            #expect(text.hasSuffix("\r\n") && lines.count == total + 2, "\(lines.count) lines for \(total) rows")
        }
    }

    @Test func jsonLinesExportAppliesTheFilters() async throws {
        struct Line: Decodable { var id: Int64; var action: String; var host_id: Int64?; var parameters: [String: String]?; var outcome: String; var time: String }
        try await withApp { app in
            let browser = try await Self.admin(app)
            try await Self.fill(app, 600)
            let response = try await browser.get("/audit/export.jsonl?host=2&outcome=ok")
            #expect(response.headers["Content-Type"] == "application/jsonl; charset=utf-8")
            let text = String(decoding: try await Self.collect(response).bytes, as: UTF8.self)
            let lines = try text.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
            #expect(lines.count == 200)
            #expect(lines.allSatisfy { $0.host_id == 2 && $0.outcome == "ok" && $0.parameters?["n"] != nil })
            #expect(lines.map(\.id) == lines.map(\.id).sorted())
            let export = try #require(try await app.auditRows("audit.export").first)
            #expect(export["source"] == .text("web"))
            #expect(try export.get("parameters", as: String.self).contains(#""filter_host":"2""#))
            #expect(try await browser.get("/audit/export.csv?outcome=nope").status == .unprocessableContent)
        }
    }
}
