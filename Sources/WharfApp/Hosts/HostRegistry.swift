import FoundationEssentials
package import WharfDocker
package import WharfSQLite
import WharfTLS

/// Adding, changing and removing hosts and their grants, shared by the web pages and the CLI.
/// Every change writes its audit row (`host.create|update|delete|grant|revoke`, with `host_id`) in
/// the same transaction; refused changes are audited as failures.
package struct HostRegistry: Sendable {
    package let database: Database
    package let secretKey: SecretKey
    package let time: TimeSource

    package init(database: Database, secretKey: SecretKey, time: TimeSource = .system) {
        self.database = database
        self.secretKey = secretKey
        self.time = time
    }

    package func hosts() async throws -> [DockerHost] {
        try await database.read { connection in try HostRepository.all(on: connection) }
    }

    /// The hosts `principal` may see: all for admins, the granted ones for others.
    package func hosts(visibleTo principal: Principal) async throws -> [DockerHost] {
        try await database.read { connection in
            principal.isAdmin ? try HostRepository.all(on: connection) : try HostRepository.granted(to: principal.userID, on: connection)
        }
    }

    /// The host a route's `:host` (id or name) or a CLI argument names.
    package func host(_ reference: String) async throws -> DockerHost? {
        try await database.readNow { connection in try HostRepository.find(reference: reference, on: connection) }
    }

    package func count() async throws -> Int {
        try await database.read { connection in try HostRepository.count(on: connection) }
    }

    /// The stored client key of `host`, opened.
    package func keyPEM(of host: DockerHost) throws -> String? {
        guard let sealed = host.sealedKey else { return nil }
        return String(decoding: try secretKey.open(sealed, label: DockerHost.sealLabel(id: host.id)), as: UTF8.self)
    }

    /// The endpoint a client for `host` connects to, with its TLS context (the key opened here).
    package func endpoint(for host: DockerHost) throws -> DockerEndpoint {
        let input = HostInput(
            name: host.name, url: host.url, certificateAuthorityPEM: host.certificateAuthorityPEM,
            certificatePEM: host.certificatePEM, keyPEM: try keyPEM(of: host))
        return try input.validate(keepingKey: nil).get()
    }

    /// Checks `input` (keeping `existing`'s key when the key field is empty) and returns its endpoint.
    package func endpoint(for input: HostInput, editing existing: DockerHost? = nil) throws -> DockerEndpoint {
        var stored: String?
        if input.keyPEM == nil, input.certificatePEM != nil, let existing {
            do {
                stored = try keyPEM(of: existing)
            } catch {
                throw HostError.invalid([.key: "The stored key cannot be decrypted (was secret.key replaced?): paste the client key again."])
            }
        }
        return try input.validate(keepingKey: stored).get()
    }

    @discardableResult
    package func create(_ input: HostInput, by actor: AuditActor) async throws -> DockerHost {
        let now = time.now()
        do {
            _ = try endpoint(for: input)
            let key = input.keyPEM
            return try await database.write { [secretKey] connection in
                try Self.refuseTakenName(input.name, except: nil, on: connection)
                let id = try HostRepository.insert(
                    name: input.name, url: input.url, certificateAuthorityPEM: input.certificateAuthorityPEM, now: now, on: connection)
                let sealed = try key.map { try secretKey.seal(Array($0.utf8), label: DockerHost.sealLabel(id: id)) }
                try HostRepository.update(
                    id: id, name: input.name, url: input.url, certificateAuthorityPEM: input.certificateAuthorityPEM,
                    certificatePEM: input.certificatePEM, sealedKey: sealed, now: now, on: connection)
                var entry = actor.entry("host.create", target: input.name, parameters: Self.parameters(input, tls: sealed != nil))
                entry.hostID = id
                try AuditLog.append(entry, on: connection)
                guard let host = try HostRepository.find(id: id, on: connection) else { throw HostError.notFound(input.name) }
                return host
            }
        } catch let error as HostError {
            try await recordFailure("host.create", target: input.name, hostID: nil, error: error, by: actor)
            throw error
        }
    }

    /// Changes `existing`; an empty key field keeps the stored key (when a client certificate remains).
    @discardableResult
    package func update(_ existing: DockerHost, with input: HostInput, by actor: AuditActor) async throws -> DockerHost {
        let now = time.now()
        do {
            _ = try endpoint(for: input, editing: existing)
            let newKey = input.keyPEM
            return try await database.write { [secretKey] connection in
                try Self.refuseTakenName(input.name, except: existing.id, on: connection)
                let label = DockerHost.sealLabel(id: existing.id)
                let sealed: [UInt8]? = input.certificatePEM == nil
                    ? nil : try newKey.map { try secretKey.seal(Array($0.utf8), label: label) } ?? existing.sealedKey
                try HostRepository.update(
                    id: existing.id, name: input.name, url: input.url, certificateAuthorityPEM: input.certificateAuthorityPEM,
                    certificatePEM: input.certificatePEM, sealedKey: sealed, now: now, on: connection)
                var changed: [String] = []
                if existing.name != input.name { changed.append("name") }
                if existing.url != input.url { changed.append("url") }
                if existing.certificateAuthorityPEM != input.certificateAuthorityPEM { changed.append("tls_ca") }
                if existing.certificatePEM != input.certificatePEM { changed.append("tls_cert") }
                if sealed != existing.sealedKey { changed.append("tls_client_key") }
                var parameters = Self.parameters(input, tls: sealed != nil)
                parameters["changed"] = changed.joined(separator: ",")
                if existing.name != input.name { parameters["previous_name"] = existing.name }
                var entry = actor.entry("host.update", target: input.name, parameters: parameters)
                entry.hostID = existing.id
                try AuditLog.append(entry, on: connection)
                guard let host = try HostRepository.find(id: existing.id, on: connection) else { throw HostError.notFound(input.name) }
                return host
            }
        } catch let error as HostError {
            try await recordFailure("host.update", target: existing.name, hostID: existing.id, error: error, by: actor)
            throw error
        }
    }

    package func delete(_ host: DockerHost, by actor: AuditActor) async throws {
        try await database.write { connection in
            try HostRepository.delete(id: host.id, on: connection)
            var entry = actor.entry("host.delete", target: host.name, parameters: ["url": host.url])
            entry.hostID = host.id
            try AuditLog.append(entry, on: connection)
        }
    }

    /// Gives `userID` `role` on `host` (`host.grant`), or removes their grant when nil (`host.revoke`).
    /// - Returns: false (and audits the refusal) when `userID` is not an operator or viewer.
    @discardableResult
    package func setGrant(_ role: HostRole?, userID: Int64, on host: DockerHost, by actor: AuditActor) async throws -> Bool {
        try await database.write { connection in
            guard let user = try UserRepository.find(id: userID, on: connection), user.role != .admin else {
                var entry = actor.entry(
                    role == nil ? "host.revoke" : "host.grant", outcome: .failed, target: host.name,
                    parameters: ["user_id": String(userID)], error: "no such operator or viewer")
                entry.hostID = host.id
                try AuditLog.append(entry, on: connection)
                return false
            }
            try Grants.set(role, user: userID, host: host.id, on: connection)
            var parameters = ["user": user.username, "user_id": String(userID)]
            if let role { parameters["role"] = role.rawValue }
            var entry = actor.entry(role == nil ? "host.revoke" : "host.grant", target: host.name, parameters: parameters)
            entry.hostID = host.id
            try AuditLog.append(entry, on: connection)
            return true
        }
    }

    package func grantees(of host: DockerHost) async throws -> [HostGrantee] {
        try await database.read { connection in try HostRepository.grantees(hostID: host.id, on: connection) }
    }

    private static func refuseTakenName(_ name: String, except id: Int64?, on connection: SQLiteConnection) throws {
        if let other = try HostRepository.find(name: name, on: connection), other.id != id {
            throw HostError.invalid([.name: "A host named \(other.name) already exists; choose another name."])
        }
    }

    private static func parameters(_ input: HostInput, tls: Bool) -> [String: String] {
        ["url": input.url, "tls": input.certificateAuthorityPEM == nil ? "off" : (tls ? "mutual" : "server")]
    }

    private func recordFailure(_ action: String, target: String, hostID: Int64?, error: HostError, by actor: AuditActor) async throws {
        var entry = actor.entry(action, outcome: .failed, target: target, error: error.description)
        entry.hostID = hostID
        try await AuditLog(database: database).record(entry)
    }
}
