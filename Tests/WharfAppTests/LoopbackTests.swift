import Testing
import WharfApp
import WharfHTTP
import WharfIO
import WharfTestSupport

/// The real server on a loopback port: first-run setup, then the session cookie, over sockets.
@Suite struct LoopbackTests {
    @Test func setupAndSignInOverARealSocket() async throws {
        try await withApp { app in
            try app.app.start()
            let address = try #require(app.app.boundAddresses.first)
            let host = "127.0.0.1:\(address.port ?? 0)"
            func exchange(_ method: String, _ target: String, cookies: String = "", body: String? = nil) async throws -> RawHTTPResponse {
                var headers = [("Host", host), ("Origin", "http://\(host)")]
                if !cookies.isEmpty { headers.append(("Cookie", cookies)) }
                if body != nil { headers.append(("Content-Type", "application/x-www-form-urlencoded")) }
                let client = try await RawHTTPClient.connect(to: address)
                try await client.send(Wire.request(method, target, headers: headers, body: body.map { Array($0.utf8) }))
                let response = try await client.readResponse()
                await client.close()
                return response
            }
            let token = try #require(app.app.setupToken)
            let page = try await exchange("GET", "/setup?token=\(token)")
            #expect(page.status == 200)
            let preCookie = try #require(page.headers.first { $0.name == "Set-Cookie" }?.value.split(separator: ";").first.map(String.init))
            let csrf = try #require(TestBrowser.attribute(after: #"name="csrf" value=""#, in: String(decoding: page.body, as: UTF8.self)))
            let form = "csrf=\(csrf)&token=\(token)&username=root&password=a+long+enough+password&confirm=a+long+enough+password"
            let done = try await exchange("POST", "/setup", cookies: preCookie, body: form)
            #expect(done.status == 303)
            let session = try #require(done.headers.first { $0.name == "Set-Cookie" && $0.value.hasPrefix("wharf_session=") }?.value)
            let sessionCookie = String(session.split(separator: ";")[0])
            let home = try await exchange("GET", "/", cookies: sessionCookie)
            #expect(home.status == 200)
            #expect(String(decoding: home.body, as: UTF8.self).contains("root"))
            #expect(home["Content-Security-Policy"]?.contains("script-src 'self'") == true)
        }
    }
}
