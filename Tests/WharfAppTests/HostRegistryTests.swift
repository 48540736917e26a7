import FoundationEssentials
import Testing
import WharfApp
import WharfSQLite

/// The hosts repository: sealing of the client key, validation messages per field, audit rows.
@Suite struct HostRegistryTests {
    @Test func theClientKeyIsSealedAndOnlyOpenedForAClient() async throws {
        let identity = try await TestIdentity.make()
        try await withApp { app in
            let registry = app.app.hosts.registry
            let host = try await registry.create(HostInput(
                name: "tls-host", url: "https://127.0.0.1:23760", certificateAuthorityPEM: identity.certificate,
                certificatePEM: identity.certificate, keyPEM: identity.key), by: cliActor)
            #expect(host.sealedKey != nil && host.hasClientCertificate && host.transportLabel == "mutual TLS")
            #expect(try registry.keyPEM(of: host) == identity.key)
            _ = try await app.app.database.writeWithoutTransaction { connection in try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
            let files = [app.dataDirectory + "/wharf.db", app.dataDirectory + "/wharf.db-wal"]
            #expect(filesContain(files, "tls-host"), "the test looks at the right files")
            #expect(!filesContain(files, identity.keyBodyLine), "the client key is in the database in clear")
            #expect(!filesContain(files, "PRIVATE KEY"))

            // A sealed key copied to another host's row does not open there (the label names the host).
            let other = try await registry.create(HostInput(name: "other", url: "unix:///nowhere.sock"), by: cliActor)
            var copied = other
            copied.sealedKey = host.sealedKey
            #expect(throws: SecretKeyError.self) { try registry.keyPEM(of: copied) }
            #expect(throws: HostError.invalid([.key: "The stored key cannot be decrypted (was secret.key replaced?): paste the client key again."])) {
                try registry.endpoint(for: HostInput(
                    name: "other", url: "https://127.0.0.1:23760", certificateAuthorityPEM: identity.certificate,
                    certificatePEM: identity.certificate), editing: copied)
            }

            // Editing with an empty key keeps the stored one; a new certificate needs its own key.
            let kept = try await registry.update(host, with: HostInput(
                name: "tls-host", url: "https://127.0.0.1:23761", certificateAuthorityPEM: identity.certificate,
                certificatePEM: identity.certificate), by: cliActor)
            #expect(kept.sealedKey == host.sealedKey && kept.url == "https://127.0.0.1:23761")
            let another = try await TestIdentity.make(commonName: "another")
            await #expect(throws: HostError.invalid([.key: TLSMessages.keyMismatch])) {
                try await registry.update(kept, with: HostInput(
                    name: "tls-host", url: "https://127.0.0.1:23761", certificateAuthorityPEM: identity.certificate,
                    certificatePEM: another.certificate), by: cliActor)
            }
            // Removing the client certificate drops the key too.
            let serverOnly = try await registry.update(kept, with: HostInput(
                name: "tls-host", url: "https://127.0.0.1:23761", certificateAuthorityPEM: identity.certificate), by: cliActor)
            #expect(serverOnly.sealedKey == nil && serverOnly.certificatePEM == nil)

            // Lookup by id or name (any case), which the :host route parameter resolves through.
            #expect(try await registry.host("TLS-HOST")?.id == host.id)
            #expect(try await registry.host(String(host.id))?.name == "tls-host")
            let admin = Principal(userID: 1, username: "root", role: .admin, credential: .session(id: 1), csrfToken: nil)
            #expect(try await app.app.hosts.scope("tls-host", for: admin)?.host.id == host.id)
            #expect(try await app.app.hosts.scope("missing", for: admin) == nil)

            try await registry.delete(serverOnly, by: cliActor)
            #expect(try await registry.host("tls-host") == nil)
            let rows = try await app.app.database.read { connection in
                try connection.query(
                    "SELECT action, outcome, host_id, source FROM audit_log WHERE action LIKE 'host.%' ORDER BY id")
                    .map { "\(try $0.get(0, as: String.self)) \(try $0.get(1, as: String.self)) \(try $0.get(2, as: Int64?.self) ?? 0) \(try $0.get(3, as: String.self))" }
            }
            #expect(rows == [
                "host.create ok \(host.id) cli", "host.create ok \(other.id) cli", "host.update ok \(host.id) cli",
                "host.update failed \(host.id) cli", "host.update ok \(host.id) cli", "host.delete ok \(host.id) cli",
            ])
        }
    }

    enum TLSMessages {
        static let keyMismatch = "The client private key does not belong to the client certificate: "
            + "use the key that was generated together with this certificate."
    }

    @Test func validationNamesEachWrongField() async throws {
        let identity = try await TestIdentity.make()
        func problems(_ input: HostInput) -> [HostInput.Field: String] {
            if case .failure(.invalid(let problems)) = input.validate(keepingKey: nil) { return problems }
            return [:]
        }
        let cases: [(HostInput, HostInput.Field, String)] = [
            (HostInput(name: "", url: "unix:///x.sock"), .name, "Give the host a name."),
            (HostInput(name: String(repeating: "a", count: 65), url: "unix:///x.sock"), .name, "at most 64"),
            (HostInput(name: "web 1", url: "unix:///x.sock"), .name, "letters, digits"),
            (HostInput(name: "web/1", url: "unix:///x.sock"), .name, "letters, digits"),
            (HostInput(name: "a", url: ""), .url, "Give the engine's address"),
            (HostInput(name: "a", url: "ftp://x:1"), .url, "Unknown scheme"),
            (HostInput(name: "a", url: "unix://relative.sock"), .url, "absolute path"),
            (HostInput(name: "a", url: "tcp://10.0.0.5"), .url, "host and port"),
            (HostInput(name: "a", url: "tcp://:2375"), .url, "host and port"),
            (HostInput(name: "a", url: "tcp://h:99999"), .url, "host and port"),
            (HostInput(name: "a", url: "https://h:2376"), .ca, "needs the CA certificate"),
            (HostInput(name: "a", url: "unix:///x.sock", certificateAuthorityPEM: identity.certificate), .ca, "does not use TLS"),
            (HostInput(name: "a", url: "https://h:2376", certificateAuthorityPEM: "hello"), .ca, "not in PEM format"),
            (HostInput(name: "a", url: "https://h:2376", certificateAuthorityPEM: identity.key), .ca, "instead of \"CERTIFICATE\""),
            (HostInput(name: "a", url: "https://h:2376", certificateAuthorityPEM: identity.certificate, certificatePEM: identity.key),
             .cert, "swapped"),
            (HostInput(name: "a", url: "https://h:2376", certificateAuthorityPEM: identity.certificate, certificatePEM: identity.certificate),
             .key, "missing"),
            (HostInput(name: "a", url: "https://h:2376", certificateAuthorityPEM: identity.certificate, keyPEM: identity.key),
             .cert, "missing"),
            (HostInput(name: "a", url: "https://h:2376", certificateAuthorityPEM: identity.certificate,
                       certificatePEM: identity.certificate, keyPEM: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"),
             .key, "cannot be read"),
        ]
        for (input, field, fragment) in cases {
            let found = problems(input)
            #expect(found[field]?.contains(fragment) == true, "\(input.name) \(input.url) \(input.keyPEM?.count ?? -1) \(input.certificatePEM?.count ?? -1): \(found)")
        }
        let good = HostInput(
            name: "prod-web_1.a", url: "https://h:2376", certificateAuthorityPEM: identity.certificate,
            certificatePEM: identity.certificate, keyPEM: identity.key)
        #expect(problems(good).isEmpty)
        #expect(problems(HostInput(name: "c", url: "tcp://10.0.0.5:2375")).isEmpty)
    }

    @Test func refusedChangesAreAuditedAsFailuresAndNamesAreUnique() async throws {
        try await withApp { app in
            let registry = app.app.hosts.registry
            try await registry.create(HostInput(name: "one", url: "unix:///one.sock"), by: cliActor)
            await #expect(throws: HostError.self) {
                try await registry.create(HostInput(name: "ONE", url: "unix:///two.sock"), by: cliActor)
            }
            await #expect(throws: HostError.self) {
                try await registry.create(HostInput(name: "bad name", url: "unix:///two.sock"), by: cliActor)
            }
            let failed = try await app.app.database.read { connection in
                try connection.query("SELECT error FROM audit_log WHERE action = 'host.create' AND outcome = 'failed' ORDER BY id")
                    .map { try $0.get(0, as: String.self) }
            }
            #expect(failed.count == 2)
            #expect(failed.first?.contains("already exists") == true)
            #expect(try await registry.hosts().map(\.name) == ["one"])
        }
    }
}
