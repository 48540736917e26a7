import WharfWire
import Testing
import WharfHTTP
import WharfSQLite
@testable import WharfApp

/// The host page "Use the docker CLI": the DOCKER_HOST value and snippets, a token shown once,
/// and the admins' per-host endpoint setting.
@Suite struct DockerCLIPageTests {
    @Test func thePageShowsTheAddressSnippetsAndATokenOnce() async throws {
        try await withApp { app in
            let olga = try await app.user("olga", .operator)
            try await app.app.hosts.registry.create(HostInput(name: "engine-b", url: "unix:///nowhere/b.sock"), by: cliActor)
            try await app.app.database.write { connection in try Grants.set(.operator, user: olga.id, host: 1, on: connection) }
            let browser = TestBrowser(app, address: "10.0.0.9")
            try await browser.signIn("olga")
            let page = try await browser.get("/hosts/1/docker-cli")
            #expect(page.status == .ok)
            // With a port always: the CLI reads tcp://localhost/… as port 2375.
            #expect(page.text.contains("tcp://localhost:80/api/v1/hosts/engine-b/docker"))
            #expect(page.text.contains("&quot;HttpHeaders&quot;"))
            #expect(page.text.contains("docker context create wharf-engine-b"))
            #expect(!page.text.contains("<script>"))
            let created = try await browser.post("/hosts/1/docker-cli/token", [("name", "laptop"), ("role", "viewer"), ("expires_days", "30")])
            #expect(created.status == .ok)
            let token = TestBrowser.between("<code class=\"token-value\">", "</code>", in: created.text)
            #expect(token?.hasPrefix("wharf_") == true)
            #expect(created.text.contains("Bearer \(token ?? "-")"))
            let again = try await browser.get("/hosts/1/docker-cli")
            #expect(!again.text.contains(token ?? "-"), "shown once")
            let rows = try await app.auditRows("token.create")
            #expect(rows.count == 1)
            // A Host header Wharf does not answer for never reaches the page (421), and is not echoed.
            let cookie = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let hostile = try await app.respond(HTTPRequest.make(
                .get, "/hosts/1/docker-cli", headers: ["Host": "<img src=x onerror=alert(1)>", "Cookie": cookie]), address: "10.0.0.9")
            #expect(hostile.status.code == 421)
            #expect(!hostile.text.contains("<img src=x"))
            // Operators see the setting, not its form.
            #expect(!page.text.contains("/docker-cli/settings"))
        }
    }

    @Test func adminsSetWhatAdminsMayDoPerHost() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            try await app.app.hosts.registry.create(HostInput(name: "engine-b", url: "unix:///nowhere/b.sock"), by: cliActor)
            let browser = TestBrowser(app, address: "10.0.0.8")
            try await browser.signIn("root")
            let page = try await browser.get("/hosts/engine-b/docker-cli")
            #expect(page.text.contains("/hosts/1/docker-cli/settings"))
            let saved = try await browser.post("/hosts/1/docker-cli/settings", [("plugins", "1"), ("host-access", "1")])
            #expect(saved.status == .seeOther)
            let stored = try await app.app.database.read { connection in
                try EndpointSettingsRepository.capabilities(hostID: 1, on: connection)
            }
            #expect(stored == [.plugins, .hostAccess])
            let rows = try await app.auditRows("host.docker.settings")
            #expect(rows.count == 1)
            #expect(rows.first?["parameters"] == .text(#"{"after":"plugins,host-access","before":""}"#))
            // With host access on, an admin's privileged create passes the checks (and meets the missing engine).
            let token = try await app.accounts.createToken(userID: 1, name: "t", role: nil, expiresInDays: nil, by: cliActor).secret
            let request = HTTPRequest.make(.post, "/api/v1/hosts/1/docker/v1.41/containers/create",
                                           headers: ["Host": "localhost", "Authorization": "Bearer " + token],
                                           body: Array(#"{"Image":"x","HostConfig":{"Privileged":true}}"#.utf8))
            #expect(try await app.respond(request).status == .badGateway)
        }
    }

    @Test func theSnippetsNameThePublicURL() async throws {
        // The page is reached at localhost (Host: localhost); the snippets name the public URL.
        try await withApp(configure: { $0.publicURL = try? PublicURL(parsing: "http://panel.example:8080") }) { (app: TestApp) async throws in
            try await app.user("root", .admin)
            try await app.app.hosts.registry.create(HostInput(name: "engine-b", url: "unix:///nowhere/b.sock"), by: cliActor)
            let browser = TestBrowser(app, address: "10.0.0.7")
            try await browser.signIn("root")
            let page = try await browser.get("/hosts/1/docker-cli")
            #expect(page.status == .ok)
            #expect(page.text.contains("export DOCKER_HOST=tcp://panel.example:8080/api/v1/hosts/engine-b/docker"), "\(page.text)")
            #expect(!page.text.contains("DOCKER_TLS_VERIFY"))
            #expect(page.text.contains("docker context create wharf-engine-b --docker &quot;host=tcp://panel.example:8080/api/v1/hosts/engine-b/docker"))
            #expect(page.text.contains("base_url=&quot;tcp://panel.example:8080/api/v1/hosts/engine-b/docker&quot;"))
            #expect(!page.text.contains("tcp://localhost"))
        }
    }

    @Test func theAuthorityAlwaysHasAPort() {
        let cases: [(PublicURL?, String?, Bool, String, Bool)] = [
            (nil, "wharf.lan:8080", false, "wharf.lan:8080", false),
            (nil, "wharf.lan", false, "wharf.lan:80", false),
            (nil, "wharf.lan", true, "wharf.lan:443", true),
            (nil, "[::1]", false, "[::1]:80", false),
            (nil, "[::1]:9000", false, "[::1]:9000", false),
            (try? PublicURL(parsing: "http://panel.example:8080"), "other:1", false, "panel.example:8080", false),
            (try? PublicURL(parsing: "https://[2001:db8::1]"), nil, false, "[2001:db8::1]:443", true),
        ]
        for (url, header, secure, authority, tls) in cases {
            let got = DockerCLIRoutes.authority(publicURL: url, hostHeader: header, secure: secure)
            #expect(got.0 == authority && got.1 == tls, "\(String(describing: url)) \(header ?? "-")")
        }
    }
}
