import FoundationEssentials
import Glibc
import Testing
import WharfApp
import WharfHTTP
import WharfSQLite

/// The host pages through the whole application: add, show, edit, remove, grants, the dashboard,
/// the JSON API, "Test connection" and the local-socket offer. No engine is needed here.
@Suite struct HostPagesTests {
    @Test func adminAddsShowsEditsAndRemovesAHost() async throws {
        let identity = try await TestIdentity.make(days: 10)
        try await withApp { app in
            app.time.set(AuditEntry.now())
            try await app.user("root", .admin)
            let admin = TestBrowser(app)
            try await admin.signIn("root")
            #expect(try await admin.get("/hosts/new").status == .ok)
            let refused = try await admin.post("/hosts", [("name", "bad name"), ("url", "https://10.0.0.9:2376")])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("Use only letters, digits"))
            #expect(refused.text.contains("needs the CA certificate"))

            try await admin.get("/hosts/new")
            let created = try await admin.post("/hosts", [
                ("name", "edge"), ("url", "https://10.0.0.9:2376"), ("tls_ca", identity.certificate),
                ("tls_cert", identity.certificate), ("tls_key", identity.key),
            ])
            #expect(created.status == .seeOther)
            let location = try #require(created.location)
            #expect(location.hasPrefix("/hosts/1"))
            let page = try await admin.get(location)
            #expect(page.status == .ok)
            #expect(page.text.contains("Host added"))
            #expect(page.text.contains("CN=wharf-test-client"))
            #expect(page.text.contains("DNS:wharf-test-client.example, IP:127.0.0.1"))
            #expect(page.text.contains("Expires in 9 days") || page.text.contains("Expires in 10 days"), "\(page.text)")
            #expect(!page.text.contains(identity.keyBodyLine))
            // Eleven days later the certificate has expired (a new session: the old one has ended).
            app.time.advance(seconds: 11 * 86_400)
            let later = TestBrowser(app, address: "10.0.0.9")
            try await later.signIn("root")
            let expired = try await later.get(location).text
            #expect(expired.contains("Expired ") && expired.contains("badge danger"), "\(expired)")
            app.time.set(AuditEntry.now())
            #expect(try await admin.get("/hosts").text.contains("edge"))
            #expect(try await admin.get("/").text.contains("href=\"/hosts/1\""))
            #expect(try await admin.get("/hosts/edge").status == .ok)

            let edit = try await admin.get("/hosts/1/edit")
            #expect(edit.text.contains("Leave empty to keep the stored key"))
            #expect(!edit.text.contains(identity.keyBodyLine))
            let saved = try await admin.post("/hosts/1", [
                ("name", "edge-2"), ("url", "https://10.0.0.9:2377"), ("tls_ca", identity.certificate),
                ("tls_cert", identity.certificate), ("tls_key", ""),
            ])
            #expect(saved.status == .seeOther)
            let host = try #require(try await app.app.hosts.registry.host("edge-2"))
            #expect(try app.app.hosts.registry.keyPEM(of: host) == identity.key)

            try await admin.get("/hosts/1")
            #expect(try await admin.post("/hosts/1/delete").location == "/hosts?done=deleted")
            #expect(try await app.app.hosts.registry.hosts().isEmpty)
            #expect(try await admin.get("/hosts/1").status == .notFound)

            let rows = try await app.app.database.read { connection in
                try connection.query("SELECT action, outcome, host_id, source, parameters FROM audit_log WHERE action LIKE 'host.%' ORDER BY id")
            }
            #expect(try rows.map { try $0.get(0, as: String.self) + " " + $0.get(1, as: String.self) }
                    == ["host.create failed", "host.create ok", "host.update ok", "host.delete ok"])
            #expect(try rows.dropFirst().allSatisfy { try $0.get(2, as: Int64?.self) == 1 && $0.get(3, as: String.self) == "web" })
            #expect(try rows[2].get(4, as: String.self).contains(#""changed":"name,url""#))
        }
    }

    @Test func grantsDecideWhichHostsAUserSees() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            let vic = try await app.user("vic", .viewer)
            for name in ["alpha", "beta"] {
                try await app.app.hosts.registry.create(HostInput(name: name, url: "unix:///nowhere/\(name).sock"), by: cliActor)
            }
            let admin = TestBrowser(app)
            try await admin.signIn("root")
            let page = try await admin.get("/hosts/1")
            #expect(page.text.contains("Access for vic"))
            #expect(try await admin.post("/hosts/1/grants", [("user_id", String(vic.id)), ("role", "viewer")]).status == .seeOther)
            try await admin.get("/hosts/1")
            let refused = try await admin.post("/hosts/1/grants", [("user_id", "1"), ("role", "viewer")])
            #expect(refused.status == .unprocessableContent && refused.text.contains("admins reach every host"))

            let viewer = TestBrowser(app, address: "10.0.0.2")
            try await viewer.signIn("vic")
            let list = try await viewer.get("/hosts").text
            #expect(list.contains("alpha") && !list.contains("beta"))
            #expect(!list.contains("Add host"))
            let dashboard = try await viewer.get("/").text
            #expect(dashboard.contains("alpha") && !dashboard.contains("beta"))
            #expect(try await viewer.get("/hosts/alpha").status == .ok)
            #expect(try await viewer.get("/hosts/beta").status == .forbidden)
            let api = try await viewer.get("/api/v1/hosts", headers: [("Accept", "application/json")]).text
            #expect(api.contains(#""name":"alpha""#) && !api.contains("beta"), "\(api)")
            #expect(api.contains(#""state":"unknown""#))
            let show = try await viewer.get("/hosts/1").text
            #expect(!show.contains("Access for") && !show.contains("/hosts/1/edit"))

            try await admin.get("/hosts/1")
            #expect(try await admin.post("/hosts/1/grants", [("user_id", String(vic.id)), ("role", "none")]).status == .seeOther)
            #expect(try await viewer.get("/hosts/alpha").status == .forbidden)
            #expect(!(try await viewer.get("/hosts").text.contains("alpha")))
            #expect(try await app.auditActions().filter { $0.hasPrefix("host.") } == ["host.create", "host.create", "host.grant", "host.grant", "host.revoke"])
            #expect(try await app.auditRows("host.grant").map { try $0.get("outcome", as: String.self) } == ["ok", "failed"])
            let grant = try #require(try await app.auditRows("host.grant").first)
            #expect(try grant.get("host_id", as: Int64?.self) == 1)
        }
    }

    @Test func testConnectionShowsThePreciseFailureWithoutSaving() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            let admin = TestBrowser(app)
            try await admin.signIn("root")
            try await admin.get("/hosts/new")
            let result = try await admin.post("/hosts/new/test", [("name", "dead"), ("url", "tcp://127.0.0.1:1")])
            #expect(result.status == .ok)
            #expect(result.text.contains("Connection failed: Cannot reach the Docker engine at tcp://127.0.0.1:1: connection refused"))
            #expect(result.text.contains(#"value="dead""#), "the form keeps what was typed")
            #expect(try await app.app.hosts.registry.hosts().isEmpty)
            let invalid = try await admin.post("/hosts/new/test", [("name", "x"), ("url", "tcp://nowhere")])
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.text.contains("Give the host and port"))
        }
    }

    @Test func theDashboardOffersTheLocalSocketToAdminsOnce() async throws {
        let directory = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/docker.sock"
        let fd = try makeUnixSocket(at: socketPath)
        defer { close(fd) }
        try await withApp(configure: { $0.localDockerSocket = socketPath }) { app in
            try await app.user("root", .admin)
            try await app.user("vic", .viewer)
            let viewer = TestBrowser(app, address: "10.0.0.2")
            try await viewer.signIn("vic")
            #expect(!(try await viewer.get("/").text.contains("Register it as")))
            let admin = TestBrowser(app)
            try await admin.signIn("root")
            let dashboard = try await admin.get("/").text
            #expect(dashboard.contains("Register it as") && dashboard.contains(socketPath))
            let registered = try await admin.post("/hosts/new/local")
            #expect(registered.status == .seeOther)
            let host = try #require(try await app.app.hosts.registry.host("local"))
            #expect(host.url == "unix://" + socketPath)
            #expect(!(try await admin.get("/").text.contains("Register it as")))
        }
        try await withApp(configure: { $0.localDockerSocket = directory + "/missing.sock" }) { app in
            try await app.user("root", .admin)
            let admin = TestBrowser(app)
            try await admin.signIn("root")
            #expect(!(try await admin.get("/").text.contains("Register it as")))
        }
    }

    @Test func certificatesAndKeyMayBeUploadedAsFiles() async throws {
        let identity = try await TestIdentity.make()
        try await withApp { app in
            try await app.user("root", .admin)
            let admin = TestBrowser(app)
            try await admin.signIn("root")
            try await admin.get("/hosts/new")
            let token = try #require(admin.csrf)
            #expect(admin.lastBody.contains(#"enctype="multipart/form-data""#) && !admin.lastBody.contains("?csrf="))
            let boundary = "----wharf-test-7f3a"
            var body = ""
            for (name, value, file) in [
                ("csrf", token, nil), ("name", "uploaded", nil), ("url", "https://10.0.0.9:2376", nil), ("tls_ca", "", nil),
                ("tls_ca_file", identity.certificate, "ca.pem"), ("tls_cert_file", identity.certificate, "cert.pem"),
                ("tls_key", "", nil), ("tls_key_file", identity.key, "key.pem"),
            ] as [(String, String, String?)] {
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\""
                if let file { body += "; filename=\"\(file)\"\r\nContent-Type: application/x-pem-file" }
                body += "\r\n\r\n\(value)\r\n"
            }
            body += "--\(boundary)--\r\n"
            let response = try await admin.send(.post, "/hosts", headers: [
                ("Content-Type", "multipart/form-data; boundary=\(boundary)"), ("Origin", "http://localhost"),
            ], body: Array(body.utf8))
            #expect(response.status == .seeOther, "\(response.text)")
            let host = try #require(try await app.app.hosts.registry.host("uploaded"))
            #expect(host.certificatePEM == identity.certificate && host.certificateAuthorityPEM == identity.certificate)
            #expect(try app.app.hosts.registry.keyPEM(of: host) == identity.key)
            let broken = try await admin.send(.post, "/hosts", headers: [
                ("Content-Type", "multipart/form-data; boundary=\(boundary)"), ("Origin", "http://localhost"),
            ], body: Array("garbage".utf8))
            #expect(broken.status == .badRequest)
        }
    }
}
