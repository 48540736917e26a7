/// Network calls: list, create, inspect, remove, connect, disconnect, prune.
extension DockerClient {
    /// `GET /networks`.
    package func listNetworks(filters: DockerFilters? = nil) async throws -> [Network] {
        var query = DockerQuery()
        query.add("filters", filters)
        return try await json(DockerRequest("GET", DockerPath("networks"), query: query))
    }

    /// `POST /networks/create`.
    package func createNetwork(_ network: NetworkCreateRequest) async throws -> NetworkCreated {
        try await json(DockerRequest("POST", DockerPath("networks", "create"), body: try Self.jsonBody(network)))
    }

    /// `GET /networks/{id}`.
    package func inspectNetwork(_ id: String) async throws -> Network {
        try await json(DockerRequest("GET", DockerPath("networks", id)))
    }

    /// `GET /networks/{id}`, typed, and the engine's whole document from the same answer.
    package func inspectNetworkDocument(_ id: String) async throws -> (Network, JSONValue) {
        try await typedDocument(DockerRequest("GET", DockerPath("networks", id)), what: "network \(id)")
    }

    /// `DELETE /networks/{id}`.
    package func removeNetwork(_ id: String) async throws {
        try await perform204(DockerRequest("DELETE", DockerPath("networks", id)))
    }

    /// `POST /networks/{id}/connect`, with the container's aliases and fixed addresses there.
    package func connectNetwork(_ id: String, container: String, options: NetworkEndpointOptions = NetworkEndpointOptions()) async throws {
        let body = try Self.jsonBody(NetworkConnect(container: container, options: options))
        try await perform204(DockerRequest("POST", DockerPath("networks", id, "connect"), body: body))
    }

    /// `POST /networks/{id}/disconnect`.
    package func disconnectNetwork(_ id: String, container: String, force: Bool = false) async throws {
        let body = try Self.jsonBody(NetworkDisconnect(container: container, force: force))
        try await perform204(DockerRequest("POST", DockerPath("networks", id, "disconnect"), body: body))
    }

    /// `POST /networks/prune` (`until`, `label` filters).
    package func pruneNetworks(filters: DockerFilters? = nil) async throws -> PruneReport {
        var query = DockerQuery()
        query.add("filters", filters)
        return try await json(DockerRequest("POST", DockerPath("networks", "prune"), query: query))
    }
}

private struct NetworkConnect: Encodable {
    struct EndpointConfig: Encodable {
        struct Addresses: Encodable {
            let ipv4Address: String?
            let ipv6Address: String?
            enum CodingKeys: String, CodingKey { case ipv4Address = "IPv4Address", ipv6Address = "IPv6Address" }
        }
        let aliases: [String]?
        let ipamConfig: Addresses?
        enum CodingKeys: String, CodingKey { case aliases = "Aliases", ipamConfig = "IPAMConfig" }
    }

    let container: String
    let endpointConfig: EndpointConfig?

    init(container: String, options: NetworkEndpointOptions) {
        self.container = container
        let addresses = options.ipv4Address == nil && options.ipv6Address == nil
            ? nil : EndpointConfig.Addresses(ipv4Address: options.ipv4Address, ipv6Address: options.ipv6Address)
        endpointConfig = options.aliases.isEmpty && addresses == nil
            ? nil : EndpointConfig(aliases: options.aliases.isEmpty ? nil : options.aliases, ipamConfig: addresses)
    }

    enum CodingKeys: String, CodingKey { case container = "Container", endpointConfig = "EndpointConfig" }
}

private struct NetworkDisconnect: Encodable {
    let container: String
    let force: Bool
    enum CodingKeys: String, CodingKey { case container = "Container", force = "Force" }
}
