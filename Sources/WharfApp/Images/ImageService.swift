import WharfDocker
import WharfHTTP
import WharfWire

/// Everything the image pages and the image API do, once: list, inspect, history, tag, remove,
/// search, commit, save, and the jobs (pull, push, build, load, import). Actions are audited as
/// `image.<action>` with the host, target "name (short id)" and parameters; jobs through
/// ``JobRunner``.
struct ImageService: Sendable {
    let hosts: HostServices
    let audit: AuditLog
    let jobs: JobRunner
    let registries: RegistryService

    /// An image as the user named it, resolved.
    struct Reference: Sendable {
        let id: String
        let tags: [String]
        let name: String

        /// "busybox:latest (3f2a1b0c9d8e)".
        var target: String { "\(name) (\(ImageJSON.shortID(id)))" }
    }

    func list(_ scope: HostScope, _ query: ImageQuery) async throws -> [ImageJSON] {
        let (images, containers) = try await scope.engine { client in
            (try await client.listImages(all: query.all, digests: true, filters: query.filters.isEmpty ? nil : query.filters),
             try await client.listContainers(all: true))
        }
        var uses: [String: Int] = [:]
        for container in containers { if let image = container.imageID { uses[image, default: 0] += 1 } }
        return query.sorted(images.map { ImageJSON($0, containers: uses[$0.id] ?? 0, host: scope.host) })
    }

    /// Resolves `reference` (an id, a unique prefix, or a name). - Throws: 404 naming it.
    func resolve(_ reference: String, on scope: HostScope) async throws -> Reference {
        let image = try await scope.engine(subject: reference) { client in try await client.inspectImage(reference) }
        let tags = (image.repoTags ?? []).filter { $0 != "<none>:<none>" }
        let name = tags.contains(reference) ? reference : tags.first ?? ImageJSON.shortID(image.id)
        return Reference(id: image.id, tags: tags, name: name)
    }

    /// The image, the containers made from it, and its history.
    func detail(_ reference: String, on scope: HostScope) async throws -> (ImageDetailJSON, [ImageHistoryJSON]) {
        try await scope.engine(subject: reference) { client in
            let (inspect, raw) = try await client.inspectImageDocument(reference)
            let users = try await client.listContainers(all: true, filters: ["ancestor": inspect.id])
            let history = try await client.imageHistory(inspect.id)
            let containers = users.filter { $0.imageID == inspect.id }.map { summary in
                ImageDetailJSON.ContainerUse(
                    id: summary.id, name: ContainerService.name(summary.names.first ?? String(summary.id.prefix(12))), state: summary.state)
            }
            return (ImageDetailJSON(inspect, raw: raw, containers: containers, host: scope.host), history.map(ImageHistoryJSON.init))
        }
    }

    func history(_ reference: String, on scope: HostScope) async throws -> [ImageHistoryJSON] {
        try await scope.engine(subject: reference) { client in try await client.imageHistory(reference).map(ImageHistoryJSON.init) }
    }

    /// Resolves the image an action names; when that fails, the attempt is still audited.
    private func resolve(
        for action: String, _ reference: String, parameters: [String: String] = [:], on scope: HostScope, context: RequestContext
    ) async throws -> Reference {
        do {
            return try await resolve(reference, on: scope)
        } catch let error as any PublicError {
            try await scope.record(
                action, target: reference, parameters: parameters, context: context, audit: audit, status: error.status, error: error.publicMessage)
            throw error
        }
    }

    /// Gives the image another name (`image.tag`). - Throws: 422 for a name that is not one.
    func tag(_ reference: String, as name: String, on scope: HostScope, context: RequestContext) async throws -> Reference {
        guard let new = ImageReference(name), new.digest == nil else {
            throw FieldErrors(["name": "Give a name like web:1.2 or registry.example.com:5000/team/web:1.2."])
        }
        let image = try await resolve(for: "image.tag", reference, parameters: ["name": new.description], on: scope, context: context)
        try await scope.audited("image.tag", target: image.target, parameters: ["name": new.description], subject: image.name, context: context, audit: audit) {
            client in try await client.tagImage(image.id, repository: new.repository, tag: new.tag)
        }
        return image
    }

    /// Removes a name, or the image (`image.remove`): by name when one is given, so the image's
    /// other names stay.
    func remove(_ reference: String, force: Bool, noPrune: Bool, on scope: HostScope, context: RequestContext) async throws -> ImageRemovedJSON {
        let parameters = ["force": String(force), "noprune": String(noPrune)]
        let image = try await resolve(for: "image.remove", reference, parameters: parameters, on: scope, context: context)
        let target = image.tags.contains(reference) ? reference : image.id
        let items = try await scope.audited(
            "image.remove", target: image.target, parameters: parameters, subject: image.name, context: context, audit: audit
        ) { client in try await client.removeImage(target, force: force, noPrune: noPrune) }
        return ImageRemovedJSON(items)
    }

    func search(_ term: String, limit: Int?, on scope: HostScope) async throws -> ImageSearchJSON {
        let term = term.trimmingASCIISpaces()
        guard !term.isEmpty, term.utf8.count <= 256 else { throw FieldErrors(["term": "Type what to search for."]) }
        return ImageSearchJSON(try await RegistryFailure.mapping("The registry cannot be searched") {
            try await scope.engine(subject: String(term)) { client in try await client.searchImages(String(term), limit: limit) }
        })
    }

    /// A container's filesystem as a new image (`image.commit`).
    func commit(_ container: String, _ input: CommitInput, on scope: HostScope, context: RequestContext) async throws -> String {
        let checked = try input.checked()
        let resolved = try await scope.engine(subject: container) { client in try await client.inspectContainer(container) }
        let name = ContainerService.name(resolved.name)
        var parameters = checked.parameters
        parameters["container"] = "\(name) (\(resolved.id.prefix(12)))"
        let committed = try await scope.audited(
            "image.commit", target: checked.reference?.description ?? "(untagged)", parameters: parameters, subject: name,
            context: context, audit: audit
        ) { client in try await client.commitContainer(resolved.id, options: checked.options) }
        return committed.id
    }

    /// Images as one tar stream (`image.save`, audited: images may hold secrets).
    func save(_ names: [String], on scope: HostScope, context: RequestContext) async throws -> DockerResponseBody {
        let names = names.map { String($0.trimmingASCIISpaces()) }.filter { !$0.isEmpty }
        guard !names.isEmpty, names.count <= 100 else { throw FieldErrors(["name": "Choose the images to save."]) }
        var resolved: [Reference] = []
        for name in names { resolved.append(try await resolve(for: "image.save", name, on: scope, context: context)) }
        // The names as given: a name keeps its tag in the archive, an id saves the image untagged.
        return try await scope.audited(
            "image.save", target: resolved.map(\.target).joined(separator: ", "), subject: names.first, context: context, audit: audit
        ) { client in try await client.saveImages(names) }
    }

    // MARK: Jobs

    /// The credentials for `reference`: typed ones, else the stored ones of its registry, else none.
    func credentials(for reference: ImageReference, username: String?, password: String?) async throws -> (DockerRegistryAuth?, String) {
        if let username, !username.isEmpty {
            return (DockerRegistryAuth(username: username, password: password ?? "", serverAddress: Registry.domain(of: reference.repository)), "given")
        }
        if let (_, auth) = try await registries.auth(forReference: reference.repository) { return (auth, "stored") }
        return (nil, "none")
    }

    func startPull(_ reference: ImageReference, username: String?, password: String?, on scope: HostScope, context: RequestContext) async throws -> Job {
        try await startTransfer(.pull, reference, username: username, password: password, on: scope, context: context) { run, auth in
            try await ImageJobs.pull(run, reference, auth: auth)
        }
    }

    func startPush(_ reference: ImageReference, username: String?, password: String?, on scope: HostScope, context: RequestContext) async throws -> Job {
        try await startTransfer(.push, reference, username: username, password: password, on: scope, context: context) { run, auth in
            try await ImageJobs.push(run, reference, auth: auth)
        }
    }

    /// A pull or push job with the credentials for `reference`'s registry; the job's parameters
    /// say which registry and whether credentials were `given`, `stored` or `none`.
    private func startTransfer(
        _ kind: JobKind, _ reference: ImageReference, username: String?, password: String?, on scope: HostScope, context: RequestContext,
        work: @escaping @Sendable (JobRun, DockerRegistryAuth?) async throws -> JobOutcome
    ) async throws -> Job {
        let (auth, source) = try await credentials(for: reference, username: username, password: password)
        let parameters = ["registry": Registry.domain(of: reference.repository), "credentials": source]
        return try await jobs.start(
            kind: kind, target: reference.description, parameters: parameters, action: "image.\(kind.rawValue)", scope: scope, context: context
        ) { run in try await work(run, auth) }
    }

    /// Starts a job fed by `upload`, and returns once the engine has taken the whole upload.
    /// - Throws: ``UploadFailed`` (naming the job) when the job ended before that.
    func startUpload(
        _ kind: JobKind, target: String, parameters: [String: String], upload: UploadRequest, on scope: HostScope,
        context: RequestContext, work: @escaping @Sendable (JobRun) async throws -> JobOutcome
    ) async throws -> Job {
        var recorded = parameters
        if let described = upload.describedUpload { recorded["upload"] = described }
        let gate = UploadGate()
        let job = try await jobs.start(
            kind: kind, target: target, parameters: recorded, action: "image.\(kind.rawValue)", scope: scope, context: context, upload: gate,
            work: work)
        switch await gate.wait() {
        case .success:
            try await upload.finish()
            return job
        case .failure(let error):
            throw UploadFailed(job: job.id, underlying: error)
        }
    }
}

/// A job fed by an upload ended before the engine took all of it (the archive was bad or cut
/// off, the engine refused it, someone cancelled): the request answers with that, naming the job.
struct UploadFailed: PublicError {
    let job: Int64
    let underlying: any Error

    var status: HTTPStatus { (underlying as? any PublicError)?.status ?? .badGateway }
    var code: String { (underlying as? any PublicError)?.code ?? "engine_error" }
    var publicMessage: String { "\(JobRunner.describe(underlying)) (job \(job))" }
}
