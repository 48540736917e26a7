import WharfWire
import Testing
import WharfApp
import WharfHTTP
import WharfIO
import WharfSQLite

/// `--public-url`, the `Host` check (DNS rebinding, issue 10 item 9) and `--trusted-proxy`.
@Suite struct RequestOriginTests {
    static func request(_ target: String, host: String?, headers: HTTPHeaders = [:]) -> HTTPRequest {
        var all = headers
        if let host { all.set("Host", host) }
        all.set("Accept", "text/html")
        return HTTPRequest.make(.get, target, headers: all)
    }

    /// Fails on the code before the check: a page answered 200 to any `Host`, so a page on
    /// attacker.example rebound to 127.0.0.1 could read Wharf's answers.
    @Test func aHostWharfDoesNotServeIsMisdirected() async throws {
        try await withApp { app in
            for host in ["attacker.example", "attacker.example:8080", "localhost.attacker.example", "wharf.internal"] {
                let response = try await app.respond(Self.request("/signin", host: host))
                #expect(response.status == .misdirectedRequest, "\(host)")
                #expect(response.headers["Set-Cookie"] == nil)
            }
            for host in ["localhost", "LOCALHOST:8080", "127.0.0.1", "127.0.0.1:1234", "[::1]:8080", "localhost."] {
                #expect(try await app.respond(Self.request("/signin", host: host)).status == .ok, "\(host)")
            }
            // HTTP/1.0 without Host: no browser, no rebinding.
            #expect(try await app.respond(Self.request("/healthz", host: nil)).status == .ok)
        }
    }

    @Test func thePublicURLsHostIsAcceptedAndAWildcardListenerAcceptsAddressesNotNames() async throws {
        try await withApp(configure: { configuration in
            configuration.publicURL = try? PublicURL(parsing: "https://panel.example")
            configuration.listen = [try! SocketAddress(ip: "0.0.0.0", port: 0)]  // safe: a literal address
        }) { (app: TestApp) async throws in
            for host in ["panel.example", "panel.example:443", "10.1.2.3:8080", "[2001:db8::5]", "localhost"] {
                #expect(try await app.respond(Self.request("/healthz", host: host)).status == .ok, "\(host)")
            }
            #expect(try await app.respond(Self.request("/healthz", host: "evil.example")).status == .misdirectedRequest)
        }
    }

    @Test func anHTTPSPublicURLMakesCookiesSecureWithTheHostPrefixAndSendsHSTS() async throws {
        try await withApp(configure: { $0.publicURL = try? PublicURL(parsing: "https://panel.example") }) { (app: TestApp) async throws in
            let page = try await app.respond(Self.request("/signin", host: "panel.example"))
            #expect(page.status == .ok)
            let cookie = try #require(page.headers["Set-Cookie"])
            #expect(cookie.hasPrefix("__Host-wharf_pre=") && cookie.contains("; Secure") && cookie.contains("Path=/"), "\(cookie)")
            #expect(page.headers["Strict-Transport-Security"] == "max-age=31536000")
        }
        try await withApp(configure: { $0.publicURL = try? PublicURL(parsing: "http://panel.example:8080") }) { (app: TestApp) async throws in
            let page = try await app.respond(Self.request("/signin", host: "panel.example:8080"))
            #expect(page.headers["Set-Cookie"]?.hasPrefix("wharf_pre=") == true)
            #expect(page.headers["Strict-Transport-Security"] == nil)
        }
    }

    @Test func forwardedAddressesCountOnlyFromTrustedProxies() async throws {
        try await withApp(configure: {
            $0.trustedProxies = TrustedProxies((try? AddressRange.parseList("127.0.0.1, 10.9.0.0/16")) ?? [])
        }) { (app: TestApp) async throws in
            func failedSignIn(from peer: String, headers: HTTPHeaders) async throws -> String? {
                var all = headers
                all.set("Host", "localhost")
                let browser = TestBrowser(app, address: peer)
                try await browser.get("/signin")
                let fields = [("username", "nobody"), ("password", "wrong password here")]
                _ = try await browser.post("/signin", fields, headers: all.map { ($0.name, $0.value) }.filter { $0.0 != "Host" })
                let rows = try await app.auditRows("auth.signin.failed")
                return try rows.last?.get("client_address", as: String.self)
            }
            // From the trusted proxy: the address it forwarded (the nearest untrusted hop).
            #expect(try await failedSignIn(from: "127.0.0.1", headers: ["X-Forwarded-For": "203.0.113.9, 10.9.4.4"]) == "203.0.113.9")
            #expect(try await failedSignIn(from: "127.0.0.1", headers: ["Forwarded": #"for="[2001:db8::7]:4711";proto=http"#]) == "2001:db8::7")
            // A client forging the header through the proxy: the proxy appended the real address.
            #expect(try await failedSignIn(from: "10.9.0.1", headers: ["X-Forwarded-For": "1.2.3.4, 198.51.100.2"]) == "198.51.100.2")
            // From anyone else, the header is ignored.
            #expect(try await failedSignIn(from: "192.0.2.50", headers: ["X-Forwarded-For": "1.2.3.4"]) == "192.0.2.50")
            // The access log asks the same resolver.
            let hook = try #require(app.app.server.configuration.clientAddress)
            #expect(hook(try SocketAddress(ip: "127.0.0.1", port: 1), ["X-Forwarded-For": "198.51.100.7"]) == "198.51.100.7")
            #expect(hook(try SocketAddress(ip: "192.0.2.1", port: 1), ["X-Forwarded-For": "198.51.100.7"]) == "192.0.2.1")
        }
    }

    /// Behind a proxy every peer address is the proxy's: throttling must key on the forwarded
    /// client, or one attacker would lock everyone out.
    @Test func throttlingCountsTheForwardedClientNotTheProxy() async throws {
        try await withApp(configure: { $0.trustedProxies = TrustedProxies((try? AddressRange.parseList("127.0.0.1")) ?? []) }) {
            (app: TestApp) async throws in
            try await app.user("ada", .operator)
            func attempt(_ client: String) async throws -> HTTPStatus {
                let browser = TestBrowser(app, address: "127.0.0.1")
                try await browser.get("/signin", headers: [("X-Forwarded-For", client)])
                return try await browser.post("/signin", [("username", "ada"), ("password", "not the password")],
                                              headers: [("X-Forwarded-For", client)]).status
            }
            var statuses: [Int] = []
            for _ in 0..<6 { statuses.append(try await attempt("198.51.100.1").code) }
            #expect(statuses.last == 429, "\(statuses)")
            #expect(try await attempt("198.51.100.2") == .unauthorized)
        }
    }

    @Test func aTrustedProxySayingHTTPSMakesCookiesSecure() async throws {
        try await withApp(configure: { $0.trustedProxies = TrustedProxies((try? AddressRange.parseList("127.0.0.1")) ?? []) }) { (app: TestApp) async throws in
            let proxied = try await app.respond(Self.request("/signin", host: "localhost", headers: ["X-Forwarded-Proto": "https"]))
            #expect(proxied.headers["Set-Cookie"]?.hasPrefix("__Host-wharf_pre=") == true)
            let direct = try await app.respond(
                Self.request("/signin", host: "localhost", headers: ["X-Forwarded-Proto": "https"]), address: "192.0.2.1")
            #expect(direct.headers["Set-Cookie"]?.hasPrefix("wharf_pre=") == true)
        }
    }

    @Test(arguments: [
        ("https://panel.example", "https://panel.example"), ("HTTPS://Panel.Example:443/", "https://panel.example"),
        ("http://10.0.0.5:8080", "http://10.0.0.5:8080"), ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
    ])
    func publicURLsAreOrigins(text: String, origin: String) throws {
        #expect(try PublicURL(parsing: text).origin == origin)
    }

    @Test(arguments: ["panel.example", "ftp://x", "https://", "https://panel.example/wharf", "https://u@panel.example",
                      "https://panel.example:0", "https://panel.example:99999", "https://[::1"])
    func badPublicURLsAreRefused(text: String) {
        #expect(throws: ConfigurationError.self) { try PublicURL(parsing: text) }
    }

    @Test func addressRangesMatchByPrefix() throws {
        let ranges = try AddressRange.parseList("10.0.0.0/8, ::1, 2001:db8::/32")
        #expect(ranges.map(\.description) == ["10.0.0.0/8", "::1/128", "2001:db8::/32"])
        let trusted = TrustedProxies(ranges)
        for address in ["10.1.2.3", "::1", "2001:db8:ffff::1", "::ffff:10.0.0.1"] { #expect(trusted.trusts(address), "\(address)") }
        for address in ["11.0.0.1", "::2", "2001:db9::1", "garbage"] { #expect(!trusted.trusts(address), "\(address)") }
        for bad in ["10.0.0.0/33", "host.example", "10.0.0.0/x", "::1/129"] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try AddressRange(parsing: bad) }
        }
    }
}
