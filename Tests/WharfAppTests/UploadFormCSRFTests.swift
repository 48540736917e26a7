import Testing
import WharfApp
import WharfHTTP
import WharfWire

/// The upload forms (build, load, import) follow issue 10's rule for multipart forms: the CSRF
/// token is their first part, read off the stream before the archive, never in the URL. The host
/// here has no engine, so a job that starts fails at once; what matters is that it starts.
@Suite struct UploadFormCSRFTests {
    static let boundary = "----wharf-upload-b0undary"

    private func adminWithHost(_ app: TestApp) async throws -> TestBrowser {
        let browser = try await app.signedInAdmin(on: "/hosts/new")
        let token = try #require(browser.csrf)
        let added = try await post(browser, "/hosts", MultipartCSRFTests.multipart([
            ("csrf", token, nil), ("name", "nowhere", nil), ("url", "unix:///var/run/wharf-no-engine.sock", nil),
        ]))
        #expect(added.status == .seeOther, "\(added.text)")
        return browser
    }

    private func post(_ browser: TestBrowser, _ target: String, _ body: [UInt8], boundary: String = MultipartCSRFTests.boundary) async throws -> HTTPResponse {
        try await browser.send(.post, target, headers: [
            ("Content-Type", "multipart/form-data; boundary=\(boundary)"), ("Origin", "http://localhost"), ("Accept", "text/html"),
        ], body: body)
    }

    @Test(arguments: ["build", "load", "import"])
    func theFormsPutTheTokenFirstAndNotInTheirURL(_ form: String) async throws {
        try await withApp { app in
            let browser = try await adminWithHost(app)
            try await browser.get("/hosts/1/images/\(form)")
            let html = try #require(TestBrowser.between(#"<form class="form upload-form""#, "</form>", in: browser.lastBody))
            #expect(!html.contains("csrf="), "a CSRF token in a URL: \(html.prefix(300))")
            let firstInput = try #require(TestBrowser.between("<input", ">", in: html))
            #expect(firstInput.contains(#"name="csrf""#), "\(firstInput)")
        }
    }

    @Test func aBuildFormWithTheTokenFirstStartsAJobAndOneWithTheTokenInTheQueryIsRefused() async throws {
        try await withApp { app in
            let browser = try await adminWithHost(app)
            try await browser.get("/hosts/1/images/build")
            let token = try #require(browser.csrf)
            let context = try TestTar.context(dockerfile: "FROM scratch\n")
            let good = try await post(browser, "/hosts/1/images/build", TestTar.multipart(
                boundary: Self.boundary, fields: [("csrf", token), ("tags", "csrf-first:1")], file: ("context", "ctx.tar", context)),
                boundary: Self.boundary)
            #expect(good.status == .seeOther, "\(good.text)")
            #expect(good.headers["Location"]?.hasPrefix("/jobs/") == true, "\(good.headers["Location"] ?? "no Location")")

            let queried = try await post(browser, "/hosts/1/images/build?csrf=\(token)", TestTar.multipart(
                boundary: Self.boundary, fields: [("tags", "csrf-query:1")], file: ("context", "ctx.tar", context)),
                boundary: Self.boundary)
            #expect(queried.status == .forbidden)
            #expect(try await app.auditRows("auth.csrf.denied").count == 1)
            #expect(try await app.auditRows("image.build").count == 1)
        }
    }
}
