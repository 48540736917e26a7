internal import FoundationEssentials

/// Container calls: list, inspect, create, lifecycle, logs, stats, changes, export, prune.
extension DockerClient {
    /// `GET /containers/json`.
    package func listContainers(
        all: Bool = false, limit: Int? = nil, size: Bool = false, filters: DockerFilters? = nil
    ) async throws -> [ContainerSummary] {
        var query = DockerQuery()
        query.add("all", all)
        query.add("limit", limit)
        query.add("size", size)
        query.add("filters", filters)
        return try await json(DockerRequest("GET", DockerPath("containers", "json"), query: query))
    }

    /// `GET /containers/{id}/json`.
    package func inspectContainer(_ id: String, size: Bool = false) async throws -> ContainerInspect {
        var query = DockerQuery()
        if size { query.add("size", true) }
        return try await json(DockerRequest("GET", DockerPath("containers", id, "json"), query: query))
    }

    /// `GET /containers/{id}/json`, typed, and the engine's whole document as it came (for
    /// showing the raw inspect output), from one answer.
    package func inspectContainerDocument(_ id: String) async throws -> (ContainerInspect, JSONValue) {
        let bytes = try await send(DockerRequest("GET", DockerPath("containers", id, "json"))).body.collect(upTo: 32 * 1024 * 1024)
        do {
            let decoder = JSONDecoder()
            return (try decoder.decode(ContainerInspect.self, from: Data(bytes)), try decoder.decode(JSONValue.self, from: Data(bytes)))
        } catch {
            throw DockerError.decoding(what: "container \(id)", reason: "\(error)")
        }
    }

    /// `POST /containers/create`.
    package func createContainer(name: String? = nil, config: ContainerConfig) async throws -> ContainerCreated {
        var query = DockerQuery()
        query.add("name", name)
        let request = DockerRequest("POST", DockerPath("containers", "create"), query: query, body: try Self.jsonBody(config))
        return try await json(request)
    }

    /// `POST /containers/{id}/start`. Starting a running container is not an error (the engine
    /// says 304 Not Modified, which the docker CLI takes as done too).
    package func startContainer(_ id: String) async throws {
        try await notModifiedIsDone { try await perform204(DockerRequest("POST", DockerPath("containers", id, "start"))) }
    }

    /// Runs `call`, taking the engine's `304 Not Modified` (already in that state) as success.
    private func notModifiedIsDone(_ call: () async throws -> Void) async throws {
        do {
            try await call()
        } catch DockerError.api(status: 304, _) {
        }
    }

    /// `POST /containers/{id}/stop`: SIGTERM, then SIGKILL after `timeout` seconds (the container's
    /// own stop timeout when nil). The answer comes when the container has stopped.
    package func stopContainer(_ id: String, timeout: Int? = nil) async throws {
        try await notModifiedIsDone { try await perform204(lifecycle("stop", id, timeout: timeout)) }
    }

    /// `POST /containers/{id}/restart`.
    package func restartContainer(_ id: String, timeout: Int? = nil) async throws {
        try await perform204(lifecycle("restart", id, timeout: timeout))
    }

    private func lifecycle(_ action: String, _ id: String, timeout: Int?) -> DockerRequest {
        var query = DockerQuery()
        query.add("t", timeout)
        var request = DockerRequest("POST", DockerPath("containers", id, action), query: query)
        // The engine answers after the stop, which may take the whole grace period.
        let grace = Double(max(0, timeout ?? 10))
        request.responseHeadTimeout = timeouts.responseHead.map { .seconds($0 + grace) } ?? .unlimited
        return request
    }

    /// `POST /containers/{id}/kill` with `signal` (`SIGKILL` when nil).
    package func killContainer(_ id: String, signal: String? = nil) async throws {
        var query = DockerQuery()
        query.add("signal", signal)
        try await perform204(DockerRequest("POST", DockerPath("containers", id, "kill"), query: query))
    }

    /// `POST /containers/{id}/pause`.
    package func pauseContainer(_ id: String) async throws {
        try await perform204(DockerRequest("POST", DockerPath("containers", id, "pause")))
    }

    /// `POST /containers/{id}/unpause`.
    package func unpauseContainer(_ id: String) async throws {
        try await perform204(DockerRequest("POST", DockerPath("containers", id, "unpause")))
    }

    /// `POST /containers/{id}/rename`.
    package func renameContainer(_ id: String, to name: String) async throws {
        try await perform204(DockerRequest("POST", DockerPath("containers", id, "rename"), query: ["name": name]))
    }

    /// `DELETE /containers/{id}`.
    package func removeContainer(_ id: String, force: Bool = false, volumes: Bool = false) async throws {
        var query = DockerQuery()
        query.add("force", force)
        query.add("v", volumes)
        try await perform204(DockerRequest("DELETE", DockerPath("containers", id), query: query))
    }

    /// `POST /containers/{id}/wait`: waits until the container stops; returns its exit code.
    package func waitContainer(_ id: String, condition: String = "not-running") async throws -> Int {
        var request = DockerRequest("POST", DockerPath("containers", id, "wait"), query: ["condition": condition])
        request.responseHeadTimeout = .unlimited
        request.bodyIdleTimeout = .unlimited
        let answer: JSONValue = try await json(request)
        if let message = answer["Error"]?["Message"]?.stringValue, !message.isEmpty {
            throw DockerError.stream(message: message, code: nil)
        }
        return Int(answer["StatusCode"]?.intValue ?? -1)
    }

    /// `GET /containers/{id}/top` with `ps` arguments (`-ef` by default).
    package func topContainer(_ id: String, psArgs: String? = nil) async throws -> ContainerTop {
        var query = DockerQuery()
        query.add("ps_args", psArgs)
        return try await json(DockerRequest("GET", DockerPath("containers", id, "top"), query: query))
    }

    /// `GET /containers/{id}/logs` as a stream of stdout/stderr pieces.
    /// - Parameters:
    ///   - follow: keep the stream open for new output (no idle limit then).
    ///   - tail: the number of last lines, or all when nil.
    ///   - since: a Unix time, in seconds or with a fraction (`1733462455.123456789`).
    ///   - tty: whether the container has a TTY (its stream is raw, not multiplexed); nil asks the engine.
    package func containerLogs(
        _ id: String, follow: Bool = false, stdout: Bool = true, stderr: Bool = true, timestamps: Bool = false,
        tail: Int? = nil, since: DockerTime? = nil, tty: Bool? = nil
    ) async throws -> DockerLogStream {
        let isRaw: Bool
        if let tty { isRaw = tty } else { isRaw = try await inspectContainer(id).config.tty ?? false }
        var query = DockerQuery()
        query.add("follow", follow)
        query.add("stdout", stdout)
        query.add("stderr", stderr)
        query.add("timestamps", timestamps)
        query.add("tail", tail.map(String.init) ?? "all")
        query.add("since", since?.text)
        var request = DockerRequest("GET", DockerPath("containers", id, "logs"), query: query)
        if follow { request.bodyIdleTimeout = .unlimited }
        return DockerLogStream(body: try await send(request).body, isRaw: isRaw)
    }

    /// `GET /containers/{id}/stats?stream=true`: a sample about every second until closed.
    package func containerStats(_ id: String) async throws -> DockerJSONStream<ContainerStats> {
        var request = DockerRequest("GET", DockerPath("containers", id, "stats"), query: ["stream": "true"])
        request.bodyIdleTimeout = .unlimited
        return DockerJSONStream(body: try await send(request).body)
    }

    /// `GET /containers/{id}/stats?stream=false&one-shot=true`: one sample, without waiting for a second one.
    package func containerStatsOnce(_ id: String) async throws -> ContainerStats {
        try await json(DockerRequest("GET", DockerPath("containers", id, "stats"), query: ["stream": "false", "one-shot": "true"]))
    }

    /// `GET /containers/{id}/changes`: files added, changed or deleted in the container's layer.
    package func containerChanges(_ id: String) async throws -> [ContainerChange] {
        // The engine answers `null` when nothing changed.
        try await json(DockerRequest("GET", DockerPath("containers", id, "changes")), as: [ContainerChange]?.self) ?? []
    }

    /// `GET /containers/{id}/export`: the container's filesystem as a tar stream.
    package func exportContainer(_ id: String) async throws -> DockerResponseBody {
        try await send(DockerRequest("GET", DockerPath("containers", id, "export"))).body
    }

    /// `POST /containers/prune`: removes stopped containers matching `filters` (`until`, `label`).
    package func pruneContainers(filters: DockerFilters? = nil) async throws -> PruneReport {
        var query = DockerQuery()
        query.add("filters", filters)
        var request = DockerRequest("POST", DockerPath("containers", "prune"), query: query)
        request.responseHeadTimeout = .unlimited
        return try await json(request)
    }
}

/// A point in time as the engine's `since`/`until` parameters take it: Unix seconds, or seconds
/// with a fraction of up to nine digits (`1733462455.123456789`), which the engine reads exactly.
package struct DockerTime: Sendable, Equatable, ExpressibleByIntegerLiteral {
    package let text: String

    package init(seconds: Int64) { text = String(seconds) }
    package init(integerLiteral value: Int64) { self.init(seconds: value) }

    /// `seconds` is digits, optionally followed by `.` and up to nine digits; nil otherwise.
    package init?(_ seconds: String) {
        let parts = seconds.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].utf8.count <= 12,
              parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
              parts.count == 1 || (1...9).contains(parts[1].utf8.count) else { return nil }
        text = seconds
    }
}
