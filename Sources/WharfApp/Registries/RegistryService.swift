import WharfDocker
import WharfHTTP
import WharfSQLite
import WharfWire

/// Stored registry credentials (admins): add, change, remove (each audited as `registry.*`,
/// never with the password), test with the engine's login check (`POST /auth`, audited as
/// `registry.test`), and the `X-Registry-Auth` of an image reference for pulls and pushes.
struct RegistryService: Sendable {
    /// What an admin submits. An empty password on a change keeps the stored one.
    struct Input: Decodable, Sendable {
        var address: String
        var username: String
        var password: String?

        static let schema = JSONSchema.named("RegistryInput", .object([
            "address": .string(description: "The registry's host[:port] as image names use it (docker.io for Docker Hub).", minLength: 1),
            "username": .string(minLength: 1),
            "password": .nullable(.string(description: "Password or access token; required when adding, kept when left out on a change.")),
        ], required: ["address", "username"]))

        /// The address normalized and every field checked. - Throws: ``FieldErrors``.
        func checked(requirePassword: Bool) throws -> Input {
            var problems: [String: String] = [:]
            let address = Registry.normalize(address)
            let host = address.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let validHost = !host[0].isEmpty && address.count <= 255
                && host[0].utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D }
                && (host.count == 1 || (host[1].count <= 5 && UInt16(host[1]) != nil))
            if !validHost { problems["address"] = "Give the registry's host name and port as image names use them, like registry.example.com:5000." }
            let user = String(username.trimmingASCIISpaces())
            if user.isEmpty || user.count > 255 || user.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                problems["username"] = "Give the user name the registry knows."
            }
            let secret = password ?? ""
            if requirePassword && secret.isEmpty { problems["password"] = "Give the password or access token." }
            if secret.utf8.count > 4096 { problems["password"] = "A password or token of at most 4096 bytes." }
            if !problems.isEmpty { throw FieldErrors(problems) }
            return Input(address: address, username: user, password: secret.isEmpty ? nil : secret)
        }
    }

    let database: Database
    let secretKey: SecretKey

    init(database: Database, secretKey: SecretKey) {
        self.database = database
        self.secretKey = secretKey
    }

    func list() async throws -> [Registry] {
        try await database.read { connection in try RegistryRepository.all(on: connection) }
    }

    /// - Throws: 404 for an unknown id.
    func find(_ reference: String) async throws -> Registry {
        guard let id = Int64(reference), let registry = try await database.read({ connection in try RegistryRepository.find(id: id, on: connection) })
        else { throw HTTPError(.notFound, "There is no registry \(reference); it may have been removed.") }
        return registry
    }

    func create(_ input: Input, context: RequestContext) async throws -> Registry {
        let checked = try input.checked(requirePassword: true)
        let now = AuditEntry.now()
        let entry = context.auditEntry("registry.create", target: checked.address, parameters: ["username": checked.username], httpStatus: .created)
        return try await database.write { [secretKey] connection in
            if try RegistryRepository.find(address: checked.address, on: connection) != nil {
                throw FieldErrors(["address": "Credentials for \(checked.address) are already stored; change them instead."])
            }
            let id = try RegistryRepository.insert(address: checked.address, username: checked.username, now: now, on: connection)
            let sealed = try secretKey.seal(Array((checked.password ?? "").utf8), label: Registry.sealLabel(id: id))
            try RegistryRepository.update(id: id, address: checked.address, username: checked.username, sealed: sealed, now: now, on: connection)
            try AuditLog.append(entry, on: connection)
            guard let registry = try RegistryRepository.find(id: id, on: connection) else { throw HTTPError(.notFound) }
            return registry
        }
    }

    func update(_ registry: Registry, with input: Input, context: RequestContext) async throws -> Registry {
        let checked = try input.checked(requirePassword: false)
        let now = AuditEntry.now()
        // What changed, by name (a key named like a secret would be redacted whatever its value).
        var changed: [String] = []
        if checked.address != registry.address { changed.append("address") }
        if checked.username != registry.username { changed.append("username") }
        if checked.password != nil { changed.append("password") }
        var parameters = ["username": checked.username, "changed": changed.joined(separator: ",")]
        if checked.address != registry.address { parameters["previous_address"] = registry.address }
        let entry = context.auditEntry("registry.update", target: checked.address, parameters: parameters, httpStatus: .ok)
        return try await database.write { [secretKey] connection in
            if let other = try RegistryRepository.find(address: checked.address, on: connection), other.id != registry.id {
                throw FieldErrors(["address": "Credentials for \(checked.address) are already stored."])
            }
            let sealed = try checked.password.map { try secretKey.seal(Array($0.utf8), label: Registry.sealLabel(id: registry.id)) }
                ?? registry.secretSealed
            try RegistryRepository.update(
                id: registry.id, address: checked.address, username: checked.username, sealed: sealed, now: now, on: connection)
            try AuditLog.append(entry, on: connection)
            guard let updated = try RegistryRepository.find(id: registry.id, on: connection) else { throw HTTPError(.notFound) }
            return updated
        }
    }

    func delete(_ registry: Registry, context: RequestContext) async throws {
        let entry = context.auditEntry("registry.delete", target: registry.address, parameters: ["username": registry.username], httpStatus: .ok)
        try await database.write { connection in
            try RegistryRepository.delete(id: registry.id, on: connection)
            try AuditLog.append(entry, on: connection)
        }
    }

    /// Asks the engine of `scope` to log in with the stored credentials (`registry.test`).
    /// - Returns: the engine's answer ("Login Succeeded"). - Throws: the refusal, in its words.
    func test(_ registry: Registry, on scope: HostScope, context: RequestContext) async throws -> String {
        let credentials = try auth(registry)
        let login = try await RegistryFailure.mapping("The login to \(registry.address) failed") {
            try await scope.audited(
                "registry.test", target: registry.address, parameters: ["username": registry.username], subject: registry.address,
                context: context, audit: AuditLog(database: database)
            ) { client in try await client.checkRegistryLogin(credentials) }
        }
        return login.status
    }

    /// The credentials of `registry`, opened. - Throws: 409 when they no longer open.
    func auth(_ registry: Registry) throws -> DockerRegistryAuth {
        do {
            let secret = try secretKey.open(registry.secretSealed, label: Registry.sealLabel(id: registry.id))
            return DockerRegistryAuth(
                username: registry.username, password: String(decoding: secret, as: UTF8.self), serverAddress: registry.serverAddress)
        } catch {
            throw HTTPError(.conflict, "The stored password of \(registry.address) cannot be decrypted (was secret.key replaced?); an admin must enter it again.")
        }
    }

    /// The stored credentials for the registry `reference` lives in, nil when none are stored.
    func auth(forReference reference: String) async throws -> (Registry, DockerRegistryAuth)? {
        let domain = Registry.domain(of: reference)
        guard let registry = try await database.read({ connection in try RegistryRepository.find(address: domain, on: connection) })
        else { return nil }
        return (registry, try auth(registry))
    }
}
