import WharfWire
import Testing
import WharfApp
import WharfHTTP
import WharfSQLite

/// Issue 10, item 4: multipart forms (hosts, with file inputs) carry the CSRF token as their first
/// part, read from the stream before any file part, never in the URL (where it would land in
/// history, proxy logs and `Referer`).
@Suite struct MultipartCSRFTests {
    static let boundary = "----wharf-test-b0undary"

    /// A multipart body with `parts` in order (a third element makes a file part).
    static func multipart(_ parts: [(String, String, String?)]) -> [UInt8] {
        var body = ""
        for (name, value, file) in parts {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\""
            if let file { body += "; filename=\"\(file)\"\r\nContent-Type: application/octet-stream" }
            body += "\r\n\r\n\(value)\r\n"
        }
        return Array((body + "--\(boundary)--\r\n").utf8)
    }

    private func admin(_ app: TestApp) async throws -> TestBrowser { try await app.signedInAdmin(on: "/hosts/new") }

    private func post(_ browser: TestBrowser, _ target: String, _ body: [UInt8]) async throws -> HTTPResponse {
        try await browser.send(.post, target, headers: [
            ("Content-Type", "multipart/form-data; boundary=\(Self.boundary)"), ("Origin", "http://localhost"),
        ], body: body)
    }

    @Test func hostFormsPutNoTokenInTheirURLs() async throws {
        try await withApp { app in
            let browser = try await admin(app)
            let page = browser.lastBody
            #expect(page.contains(#"enctype="multipart/form-data""#))
            #expect(!page.contains("csrf="), "a CSRF token in a URL")
            // The token is the form's first field, so it is the body's first part.
            let form = try #require(TestBrowser.between(#"<form class="form host-form""#, "</form>", in: page))
            let firstInput = try #require(TestBrowser.between("<input", ">", in: form))
            #expect(firstInput.contains(#"name="csrf""#), "\(firstInput)")
        }
    }

    @Test func theTokenIsReadFromTheFirstPart() async throws {
        try await withApp { app in
            let browser = try await admin(app)
            let token = try #require(browser.csrf)
            let response = try await post(browser, "/hosts", Self.multipart([
                ("csrf", token, nil), ("name", "first", nil), ("url", "unix:///var/run/first.sock", nil),
            ]))
            #expect(response.status == .seeOther, "\(response.text)")
            #expect(try await app.app.hosts.registry.host("first") != nil)
        }
    }

    @Test func aTokenInTheQueryIsNoLongerAccepted() async throws {
        try await withApp { app in
            let browser = try await admin(app)
            let token = try #require(browser.csrf)
            let response = try await post(browser, "/hosts?csrf=\(token)", Self.multipart([
                ("name", "queried", nil), ("url", "unix:///var/run/queried.sock", nil),
            ]))
            #expect(response.status == .forbidden)
            #expect(try await app.app.hosts.registry.host("queried") == nil)
            #expect(try await app.auditRows("auth.csrf.denied").count == 1)
        }
    }

    @Test func theTokenMustComeBeforeAnyFile() async throws {
        try await withApp { app in
            let browser = try await admin(app)
            let token = try #require(browser.csrf)
            let late = try await post(browser, "/hosts", Self.multipart([
                ("tls_ca_file", "-----BEGIN CERTIFICATE-----", "ca.pem"), ("csrf", token, nil), ("name", "late", nil),
                ("url", "unix:///var/run/late.sock", nil),
            ]))
            #expect(late.status == .forbidden)
            let huge = try await post(browser, "/hosts", Self.multipart([
                ("csrf", token + String(repeating: "x", count: 100_000), nil), ("name", "huge", nil),
            ]))
            #expect(huge.status == .forbidden)
            #expect(try await app.app.hosts.registry.host("late") == nil)
        }
    }

    /// The middleware reads only the first part; the rest, in small pieces as from a slow
    /// client, reaches the handler whole, after the bytes already read.
    @Test func theBodyAfterTheTokenStreamsOnToTheHandler() async throws {
        try await withApp { app in
            let browser = try await admin(app)
            let token = try #require(browser.csrf)
            let body = Self.multipart([
                ("csrf", token, nil), ("name", "streamed", nil), ("url", "unix:///var/run/streamed.sock", nil),
                ("tls_ca_file", "", "empty.pem"),
            ])
            let chunks = stride(from: 0, to: body.count, by: 7).map { Array(body[$0..<min($0 + 7, body.count)]) }
            var headers: HTTPHeaders = [
                "Host": "localhost", "Origin": "http://localhost", "Accept": "text/html",
                "Content-Type": "multipart/form-data; boundary=\(Self.boundary)",
            ]
            headers.add("Cookie", browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
            var head = HTTPRequest.make(.post, "/hosts", headers: headers).head
            head.framing = .length(body.count)
            let response = try await app.respond(HTTPRequest(head: head, body: RequestBody(chunks: chunks)))
            #expect(response.status == .seeOther, "\(response.text)")
            #expect(try await app.app.hosts.registry.host("streamed") != nil)
        }
    }
}
