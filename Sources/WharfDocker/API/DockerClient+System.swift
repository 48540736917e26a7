import WharfWire

/// System calls: `_ping`, version, info, disk usage, events.
extension DockerClient {
    /// `GET /_ping` (unversioned): whether the engine answers, and the API version it speaks.
    package func ping() async throws -> DockerPing {
        var request = DockerRequest("GET", DockerPath("_ping"))
        request.isVersioned = false
        let response = try await send(request)
        _ = try await response.body.collect(upTo: 4096)
        return DockerPing(
            apiVersion: response.headers["API-Version"], osType: response.headers["OSType"],
            experimental: response.headers["Docker-Experimental"] == "true",
            builderVersion: response.headers["Builder-Version"])
    }
}

/// What `GET /_ping` tells in its headers.
package struct DockerPing: Sendable, Equatable {
    package var apiVersion: String?
    package var osType: String?
    package var experimental: Bool
    package var builderVersion: String?
}

extension DockerClient {
    /// `GET /version`.
    package func version() async throws -> DockerVersion {
        try await json(DockerRequest("GET", DockerPath("version")))
    }

    /// `GET /info`.
    package func info() async throws -> DockerSystemInfo {
        try await json(DockerRequest("GET", DockerPath("info")))
    }

    /// `GET /info`, typed, and the engine's whole document from the same answer.
    package func infoDocument() async throws -> (DockerSystemInfo, JSONValue) {
        try await typedDocument(DockerRequest("GET", DockerPath("info")), what: "system info")
    }

    /// `GET /system/df`: space used by images, containers, volumes and the build cache.
    package func diskUsage() async throws -> DockerDiskUsage {
        try await json(DockerRequest("GET", DockerPath("system", "df")))
    }

    /// `GET /events`: engine events as they happen. With `until`, the stream ends there; without
    /// it, it follows until closed, and may stay silent for long, so it has no idle limit.
    /// - Parameters:
    ///   - since: a Unix timestamp (seconds) or a duration the engine understands (`10m`).
    ///   - filters: `type`, `event`, `container`, `image`, `label`…
    package func events(since: String? = nil, until: String? = nil, filters: DockerFilters? = nil) async throws
        -> DockerJSONStream<DockerEvent>
    {
        var query = DockerQuery()
        query.add("since", since)
        query.add("until", until)
        query.add("filters", filters)
        var request = DockerRequest("GET", DockerPath("events"), query: query)
        request.bodyIdleTimeout = .unlimited
        return DockerJSONStream(body: try await send(request).body)
    }

    /// `GET /events` followed from `since` (all events, no filters), with the engine's `Date`
    /// header: the engine's clock when it answered, so a follower that saw no event yet knows
    /// which `since` to resume from without trusting its own clock.
    package func followEvents(since: String?) async throws -> (events: DockerJSONStream<DockerEvent>, date: String?) {
        var query = DockerQuery()
        query.add("since", since)
        var request = DockerRequest("GET", DockerPath("events"), query: query)
        request.bodyIdleTimeout = .unlimited
        let response = try await send(request)
        return (DockerJSONStream(body: response.body), response.headers["Date"])
    }
}
