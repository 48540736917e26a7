import WharfHTTP

/// `GET /api/v1/hosts` (the hosts the caller may see, with status) and `GET /api/v1/hosts/:host`.
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
        /// What the caller may do here: `viewer`, `operator` or `admin`.
        let access: String?
        let status: Status

        static let schema = JSONSchema.named("Host", .object([
            "id": .integer(), "name": .string(), "url": .string(description: "unix://, tcp:// or https:// address"),
            "transport": .string(values: ["unix socket", "TCP", "TLS", "mutual TLS"]),
            "access": .nullable(.string(values: ["viewer", "operator", "admin"])),
            "status": .object([
                "state": .string(values: HostStatus.State.allCases.map(\.rawValue)),
                "error": .nullable(.string(description: "Why the host is down")),
                "latencyMs": .nullable(.integer()), "checkedMs": .nullable(.integer(description: "Unix time of the last check, ms")),
                "engineVersion": .nullable(.string()), "apiVersion": .nullable(.string()),
            ], required: ["state"]),
        ], required: ["id", "name", "url", "transport", "status"]))
    }

    struct HostList: Encodable {
        let hosts: [HostJSON]
        static let schema = JSONSchema.named("HostList", .object(["hosts": .array(HostJSON.schema)], required: ["hosts"]))
    }

    func register(into router: inout AppRouter) {
        router.api(.get, "/hosts", permission: .signedIn, operation: APIOperation(
            id: "listHosts", summary: "The hosts the caller may see, with their health", tag: "hosts",
            responses: [.init(200, "The hosts", HostList.schema)])
        ) { _, context in
            guard let principal = context.principal else { throw HTTPError(.unauthorized, "Sign in first.") }
            var list: [HostJSON] = []
            for host in try await hosts.registry.hosts(visibleTo: principal) { list.append(await json(host, access: nil)) }
            return try .json(encoding: HostList(hosts: list))
        }
        router.hostAPI(.get, "", permission: .hostView, operation: APIOperation(
            id: "getHost", summary: "One host with its health", tag: "hosts",
            responses: [.init(200, "The host", HostJSON.schema)])
        ) { _, _, scope in
            try .json(encoding: await json(scope.host, access: scope.access))
        }
    }

    private func json(_ host: DockerHost, access: HostAccess?) async -> HostJSON {
        let status = await hosts.health.status(host.id)
        return HostJSON(
            id: host.id, name: host.name, url: host.url, transport: host.transportLabel, access: access?.name,
            status: .init(
                state: status.state.rawValue, error: status.error, latencyMs: status.latencyMilliseconds,
                checkedMs: status.checkedMilliseconds, engineVersion: status.engineVersion, apiVersion: status.apiVersion))
    }
}
