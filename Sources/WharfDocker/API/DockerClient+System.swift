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
