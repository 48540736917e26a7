import WharfDocker

/// The work of the image jobs: each streams the engine's answer into the job's output (folded:
/// layers for pulls, pushes and loads, lines and steps for builds) and returns what it made. An
/// in-band error after the engine's `200` ends the job failed with the engine's message. Closing
/// the stream (the job's task cancelled) closes the engine request, and the engine stops.
enum ImageJobs {
    static func pull(_ run: JobRun, _ reference: ImageReference, auth: DockerRegistryAuth?) async throws -> JobOutcome {
        try await run.scope.engine(subject: reference.description) { client in
            let stream = try await client.pullImage(reference.repository, tag: reference.digest ?? reference.tag, auth: auth)
            defer { stream.close() }
            try await layers(stream, run)
            let image = try await client.inspectImage(reference.description)
            return JobOutcome(imageId: image.id, tags: [reference.description])
        }
    }

    static func push(_ run: JobRun, _ reference: ImageReference, auth: DockerRegistryAuth?) async throws -> JobOutcome {
        try await run.scope.engine(subject: reference.description) { client in
            let image = try await client.inspectImage(reference.description)
            let stream = try await client.pushImage(reference.repository, tag: reference.tag, auth: auth ?? .anonymous)
            defer { stream.close() }
            try await layers(stream, run)
            return JobOutcome(imageId: image.id, tags: [reference.description])
        }
    }

    static func build(_ run: JobRun, _ request: BuildRequest, upload: TarUpload?) async throws -> JobOutcome {
        let leading = try request.dockerfileText.map { try TarUpload.dockerfileEntry($0, name: BuildRequest.typedDockerfileName) } ?? []
        let context = upload.map { upload in upload.chunks(leading: leading) { bytes in await run.emit(.upload, JobUpload(bytes: bytes)) } }
            ?? DockerByteChunks(leading + TarWriter.endOfArchive)
        // Chunked, so an archive that turns out bad or short stops before the engine has its end,
        // and it builds nothing. (Passing a raw upload's Content-Length on measured slower.)
        return try await run.scope.engine(subject: request.target) { client in
            let stream = try await client.buildImage(context: context, options: request.options)
            run.uploaded()
            defer { stream.close() }
            var output = BuildOutput()
            do {
                for try await message in stream {
                    for fold in output.fold(message) { await emit(fold, run) }
                }
            } catch {
                // The line the failing step was printing, then the failure.
                for fold in output.flush() { await emit(fold, run) }
                throw error
            }
            for fold in output.flush() { await emit(fold, run) }
            return JobOutcome(imageId: output.imageID, tags: request.options.tags)
        }
    }

    static func load(_ run: JobRun, _ upload: TarUpload) async throws -> JobOutcome {
        let archive = upload.chunks { bytes in await run.emit(.upload, JobUpload(bytes: bytes)) }
        return try await run.scope.engine { client in
            let stream = try await client.loadImage(archive)
            run.uploaded()
            defer { stream.close() }
            var loaded = LoadedImages()
            try await layers(stream, run) { loaded.note($0) }
            return JobOutcome(imageId: loaded.imageID, tags: loaded.tags)
        }
    }

    static func importImage(_ run: JobRun, _ upload: TarUpload, reference: ImageReference?, message: String?, changes: [String]) async throws
        -> JobOutcome
    {
        let archive = upload.chunks { bytes in await run.emit(.upload, JobUpload(bytes: bytes)) }
        return try await run.scope.engine(subject: reference?.description) { client in
            let stream = try await client.importImage(
                archive, repository: reference?.repository, tag: reference?.tag, message: message, changes: changes)
            run.uploaded()
            defer { stream.close() }
            var imageID: String?
            try await layers(stream, run) { message in
                // The engine's last word is the new image's id, as a status.
                if let status = message.status, status.hasPrefix("sha256:") { imageID = status }
            }
            return JobOutcome(imageId: imageID, tags: reference.map { [$0.description] } ?? [])
        }
    }

    /// Folds a pull, push, load or import stream into layer events and lines.
    private static func layers(
        _ stream: DockerProgressStream, _ run: JobRun, also: (DockerProgressMessage) -> Void = { _ in }
    ) async throws {
        var progress = LayerProgress()
        for try await message in stream {
            also(message)
            switch progress.fold(message) {
            case .layer(let state): await run.emit(.layer, state)
            case .line(let text): await run.line(text)
            case nil: break
            }
        }
    }

    private static func emit(_ fold: BuildOutput.Fold, _ run: JobRun) async {
        switch fold {
        case .line(let text): await run.line(text)
        case .step(let step): await run.emit(.step, step)
        }
    }
}

/// What `POST /images/load` says it loaded: "Loaded image: busybox:latest", or for an archive
/// without names "Loaded image ID: sha256:…".
struct LoadedImages: Sendable {
    private(set) var tags: [String] = []
    private(set) var imageID: String?

    mutating func note(_ message: DockerProgressMessage) {
        guard let stream = message.stream else { return }
        for line in stream.split(separator: "\n") {
            if line.hasPrefix("Loaded image ID: ") {
                imageID = String(line.dropFirst("Loaded image ID: ".count))
            } else if line.hasPrefix("Loaded image: ") {
                tags.append(String(line.dropFirst("Loaded image: ".count)))
            }
        }
    }
}
