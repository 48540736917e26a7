internal import FoundationEssentials
import WharfWire

/// Image calls: list, inspect, history, pull, build, tag, push, remove, prune, save, load, import,
/// commit, search.
extension DockerClient {
    /// `GET /images/json`.
    package func listImages(all: Bool = false, digests: Bool = false, filters: DockerFilters? = nil) async throws -> [ImageSummary] {
        var query = DockerQuery()
        query.add("all", all)
        if digests { query.add("digests", true) }
        query.add("filters", filters)
        return try await json(DockerRequest("GET", DockerPath("images", "json"), query: query))
    }

    /// `GET /images/{name}/json`.
    package func inspectImage(_ name: String) async throws -> ImageInspect {
        try await json(DockerRequest("GET", DockerPath("images", name, "json")))
    }

    /// `GET /images/{name}/json`: the fields the panel uses and the engine's whole document.
    package func inspectImageDocument(_ name: String) async throws -> (ImageInspect, JSONValue) {
        let bytes = try await send(DockerRequest("GET", DockerPath("images", name, "json"))).body.collect(upTo: 32 * 1024 * 1024)
        do {
            let decoder = JSONDecoder()
            return (try decoder.decode(ImageInspect.self, from: Data(bytes)), try decoder.decode(JSONValue.self, from: Data(bytes)))
        } catch {
            throw DockerError.decoding(what: "image \(name)", reason: "\(error)")
        }
    }

    /// `GET /images/{name}/history`.
    package func imageHistory(_ name: String) async throws -> [ImageHistoryItem] {
        try await json(DockerRequest("GET", DockerPath("images", name, "history")))
    }

    /// `POST /images/create?fromImage=…&tag=…`: pulls an image, reporting progress per layer. A
    /// failure after the pull started (unknown tag, registry gone) is thrown by the stream.
    package func pullImage(_ image: String, tag: String? = nil, auth: DockerRegistryAuth? = nil) async throws
        -> DockerProgressStream
    {
        var query = DockerQuery()
        query.add("fromImage", image)
        query.add("tag", tag)
        var request = DockerRequest("POST", DockerPath("images", "create"), query: query)
        if let auth { request.headers.add("X-Registry-Auth", auth.headerValue) }
        request.bodyIdleTimeout = .unlimited
        return DockerProgressStream(body: try await send(request).body)
    }

    /// `POST /build` with a tar context streamed chunk by chunk as the engine takes it (chunked
    /// transfer coding when `length` is unknown). The output streams as it is produced; a failed
    /// step ends it with ``DockerError/stream(message:code:)``.
    package func buildImage(context: DockerByteChunks, length: Int? = nil, options: DockerBuildOptions = DockerBuildOptions())
        async throws -> DockerProgressStream
    {
        var request = DockerRequest("POST", DockerPath("build"), query: options.query)
        request.body = .stream(context, contentType: "application/x-tar", length: length)
        // The engine reads the whole context before it answers; a build step may then be silent for long.
        request.responseHeadTimeout = .unlimited
        request.bodyIdleTimeout = .unlimited
        return DockerProgressStream(body: try await send(request).body)
    }

    /// `POST /images/{name}/tag`.
    package func tagImage(_ name: String, repository: String, tag: String? = nil) async throws {
        var query = DockerQuery()
        query.add("repo", repository)
        query.add("tag", tag)
        try await perform204(DockerRequest("POST", DockerPath("images", name, "tag"), query: query))
    }

    /// `POST /images/{name}/push`. The engine insists on `X-Registry-Auth`; anonymous sends `{}`.
    package func pushImage(_ name: String, tag: String? = nil, auth: DockerRegistryAuth = .anonymous) async throws
        -> DockerProgressStream
    {
        var query = DockerQuery()
        query.add("tag", tag)
        var request = DockerRequest("POST", DockerPath("images", name, "push"), query: query)
        request.headers.add("X-Registry-Auth", auth.headerValue)
        request.bodyIdleTimeout = .unlimited
        return DockerProgressStream(body: try await send(request).body)
    }

    /// `DELETE /images/{name}`.
    package func removeImage(_ name: String, force: Bool = false, noPrune: Bool = false) async throws -> [ImageDeleteItem] {
        var query = DockerQuery()
        query.add("force", force)
        query.add("noprune", noPrune)
        return try await json(DockerRequest("DELETE", DockerPath("images", name), query: query))
    }

    /// `POST /images/prune` (`dangling`, `until`, `label` filters).
    package func pruneImages(filters: DockerFilters? = nil) async throws -> PruneReport {
        var query = DockerQuery()
        query.add("filters", filters)
        var request = DockerRequest("POST", DockerPath("images", "prune"), query: query)
        request.responseHeadTimeout = .unlimited
        return try await json(request)
    }

    /// `GET /images/{name}/get`: the image as a tar stream (`docker save`).
    package func saveImage(_ name: String) async throws -> DockerResponseBody {
        try await send(DockerRequest("GET", DockerPath("images", name, "get"))).body
    }

    /// `GET /images/get?names=…`: several images in one tar stream (`docker save a b`), with
    /// the layers they share once.
    package func saveImages(_ names: [String]) async throws -> DockerResponseBody {
        var query = DockerQuery()
        for name in names { query.add("names", name) }
        var request = DockerRequest("GET", DockerPath("images", "get"), query: query)
        // The engine exports layer by layer; a large layer may take a while to start.
        request.bodyIdleTimeout = .unlimited
        return try await send(request).body
    }

    /// `POST /images/load`: an image tar (`docker save` output) streamed as the engine takes it;
    /// the answer reports each layer loaded and the names it loaded.
    package func loadImage(_ archive: DockerByteChunks, length: Int? = nil) async throws -> DockerProgressStream {
        var query = DockerQuery()
        query.add("quiet", false)
        return try await sendArchive(archive, length: length, to: DockerRequest("POST", DockerPath("images", "load"), query: query))
    }

    /// `POST /images/create?fromSrc=-`: a root filesystem tar streamed into a new one-layer image
    /// (`docker import`), named `repository:tag`, with Dockerfile `changes` (`CMD ["sh"]`, `ENV a=b`).
    package func importImage(
        _ archive: DockerByteChunks, length: Int? = nil, repository: String? = nil, tag: String? = nil, message: String? = nil,
        changes: [String] = [], platform: String? = nil
    ) async throws -> DockerProgressStream {
        var query = DockerQuery()
        query.add("fromSrc", "-")
        query.add("repo", repository)
        query.add("tag", tag)
        query.add("message", message)
        for change in changes { query.add("changes", change) }
        query.add("platform", platform)
        return try await sendArchive(archive, length: length, to: DockerRequest("POST", DockerPath("images", "create"), query: query))
    }

    /// Sends `request` with `archive` streamed as its body; the answer is progress, read as it comes.
    private func sendArchive(_ archive: DockerByteChunks, length: Int?, to request: DockerRequest) async throws -> DockerProgressStream {
        var request = request
        request.body = .stream(archive, contentType: "application/x-tar", length: length)
        // The engine reads the whole archive before it answers, then may be silent for long.
        request.responseHeadTimeout = .unlimited
        request.bodyIdleTimeout = .unlimited
        return DockerProgressStream(body: try await send(request).body)
    }

    /// `POST /commit`: a container's filesystem as a new image (`docker commit`).
    package func commitContainer(_ container: String, options: DockerCommitOptions) async throws -> ImageCommitted {
        var query = DockerQuery()
        query.add("container", container)
        query.add("repo", options.repository)
        query.add("tag", options.tag)
        query.add("comment", options.comment)
        query.add("author", options.author)
        query.add("pause", options.pause)
        for change in options.changes { query.add("changes", change) }
        var request = DockerRequest("POST", DockerPath("commit"), query: query, body: .bytes(Array("{}".utf8), contentType: "application/json"))
        // Committing a large container writes a layer before answering.
        request.responseHeadTimeout = .unlimited
        return try await json(request)
    }

    /// `GET /images/search`: a registry's search (Docker Hub by default, or the registry the
    /// term names). Registries without search answer with the engine's error.
    package func searchImages(_ term: String, limit: Int? = nil) async throws -> [ImageSearchResult] {
        var query = DockerQuery()
        query.add("term", term)
        query.add("limit", limit)
        return try await json(DockerRequest("GET", DockerPath("images", "search"), query: query))
    }
}

/// Options of `POST /commit`.
package struct DockerCommitOptions: Sendable {
    package var repository: String?
    package var tag: String?
    package var comment: String?
    package var author: String?
    /// Pause the container while committing (the engine's default).
    package var pause = true
    /// Dockerfile instructions applied to the image (`CMD`, `ENV`, `EXPOSE`, `LABEL`…).
    package var changes: [String] = []

    package init() {}
}

/// Query options of `POST /build`.
package struct DockerBuildOptions: Sendable {
    /// Names to tag the image with (`t`, repeatable).
    package var tags: [String] = []
    /// The Dockerfile's path inside the context.
    package var dockerfile: String?
    package var buildArgs: [String: String] = [:]
    package var labels: [String: String] = [:]
    package var noCache = false
    /// Always pull the base image.
    package var pull = false
    /// Remove intermediate containers after a successful build (the engine's default).
    package var remove = true
    /// Remove intermediate containers even after a failure.
    package var forceRemove = false
    /// The network of `RUN` steps (`none`, `host`, a network name).
    package var networkMode: String?
    package var target: String?
    /// Memory limit of `RUN` steps, bytes.
    package var memory: Int64?
    /// `os[/arch[/variant]]`, where the engine builds for several platforms.
    package var platform: String?

    package init() {}

    var query: DockerQuery {
        var query = DockerQuery()
        for tag in tags { query.add("t", tag) }
        query.add("dockerfile", dockerfile)
        query.add("buildargs", json: buildArgs)
        query.add("labels", json: labels)
        if noCache { query.add("nocache", true) }
        if pull { query.add("pull", "1") }
        query.add("rm", remove)
        if forceRemove { query.add("forcerm", true) }
        query.add("networkmode", networkMode)
        query.add("target", target)
        query.add("memory", memory.map { Int($0) })
        query.add("platform", platform)
        return query
    }
}
