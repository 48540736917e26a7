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

    /// `DELETE /networks/{id}`.
    package func removeNetwork(_ id: String) async throws {
        try await perform204(DockerRequest("DELETE", DockerPath("networks", id)))
    }

    /// `POST /networks/{id}/connect`.
    package func connectNetwork(_ id: String, container: String) async throws {
        let body = try Self.jsonBody(["Container": container])
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

private struct NetworkDisconnect: Encodable {
    let container: String
    let force: Bool
    enum CodingKeys: String, CodingKey { case container = "Container", force = "Force" }
}
