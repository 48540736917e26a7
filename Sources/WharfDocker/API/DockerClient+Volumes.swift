/// Volume calls: list, create, inspect, remove, prune.
extension DockerClient {
    /// `GET /volumes`.
    package func listVolumes(filters: DockerFilters? = nil) async throws -> VolumeList {
        var query = DockerQuery()
        query.add("filters", filters)
        return try await json(DockerRequest("GET", DockerPath("volumes"), query: query))
    }

    /// `POST /volumes/create`.
    package func createVolume(_ volume: VolumeCreateRequest) async throws -> Volume {
        try await json(DockerRequest("POST", DockerPath("volumes", "create"), body: try Self.jsonBody(volume)))
    }

    /// `GET /volumes/{name}`.
    package func inspectVolume(_ name: String) async throws -> Volume {
        try await json(DockerRequest("GET", DockerPath("volumes", name)))
    }

    /// `GET /volumes/{name}`, typed, and the engine's whole document from the same answer.
    package func inspectVolumeDocument(_ name: String) async throws -> (Volume, JSONValue) {
        try await typedDocument(DockerRequest("GET", DockerPath("volumes", name)), what: "volume \(name)")
    }

    /// `DELETE /volumes/{name}`.
    package func removeVolume(_ name: String, force: Bool = false) async throws {
        var query = DockerQuery()
        if force { query.add("force", true) }
        try await perform204(DockerRequest("DELETE", DockerPath("volumes", name), query: query))
    }

    /// `POST /volumes/prune` (`label` filters).
    package func pruneVolumes(filters: DockerFilters? = nil) async throws -> PruneReport {
        var query = DockerQuery()
        query.add("filters", filters)
        return try await json(DockerRequest("POST", DockerPath("volumes", "prune"), query: query))
    }
}
