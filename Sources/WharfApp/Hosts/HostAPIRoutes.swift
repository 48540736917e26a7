import FoundationEssentials
import WharfHTTP

/// `GET /api/hosts` (the hosts the caller may see, with status) and `GET /api/hosts/:host`.
struct HostAPIRoutes {
    let hosts: HostServices

    /// A host as the API shows it; the client key never leaves the server.
    struct HostJSON: Encodable {
        struct Status: Encodable {
            let state: String
            let error: String?
            let latencyMs: Int?
            let checkedMs: Int64?
            let engineVersion: String?
            let apiVersion: String?
        }
        let id: Int64
        let name: String
        let url: String
        let transport: String
        let status: Status
    }

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/api/hosts", permission: Permission.signedIn) { _, context in
            guard let principal = context.principal else { throw HTTPError(.unauthorized, "Sign in first.") }
            var list: [HostJSON] = []
            for host in try await hosts.registry.hosts(visibleTo: principal) { list.append(await json(host)) }
            return .json(try Self.encode(["hosts": list]))
        }
        router.add(.get, "/api/hosts/:host", permission: Permission.hostView) { _, context in
            guard let reference = context.parameters["host"], let host = try await hosts.registry.host(reference) else {
                throw HTTPError(.notFound, "There is no such host.")
            }
            return .json(try Self.encode(await json(host)))
        }
    }

    private func json(_ host: DockerHost) async -> HostJSON {
        let status = await hosts.health.status(host.id)
        return HostJSON(
            id: host.id, name: host.name, url: host.url, transport: host.transportLabel,
            status: .init(
                state: status.state.rawValue, error: status.error, latencyMs: status.latencyMilliseconds,
                checkedMs: status.checkedMilliseconds, engineVersion: status.engineVersion, apiVersion: status.apiVersion))
    }

    static func encode(_ value: some Encodable) throws -> [UInt8] { try JSONBody.encode(value) }
}
