import WharfHTTP
import WharfWire

/// `/api/v1/hosts/:host/images…` and a container's commit: the same service, permissions and
/// audit as the pages. Pulls, pushes, builds, loads and imports answer 202 with the job; follow
/// it at `/api/v1/jobs/{id}/events`. What is not about one image is an action of the host
/// (`/pull`, `/build`, `/load`, `/import`, `/save`, `/search`, `/prune/images`), as the container
/// and volume prunes are: no path is both a fixed action and an image's `:id` (an image may be
/// called `build`), so each path's `Allow` lists exactly its documented methods.
struct ImageAPIRoutes: Sendable {
    let service: ImageService

    /// A pull or push: the image, and registry credentials when the stored ones should not be used.
    struct TransferRequest: Decodable, Sendable {
        var reference: String?
        var username: String?
        var password: String?

        static let schema = JSONSchema.named("ImageTransfer", .object([
            "reference": .nullable(.string(description: "The image: busybox, busybox:1.36, registry.example.com:5000/team/app:1.0.")),
            "username": .nullable(.string(description: "Registry credentials for this transfer only (never stored); the registry's stored ones otherwise.")),
            "password": .nullable(.string()),
        ]))
    }

    static let jobStarted: [APIOperation.Response] = [.init(202, "The job started; follow its eventsUrl", JobStartedJSON.schema)]

    func register(into router: inout AppRouter) {
        let service = self.service
        router.hostAPI(.get, "/images", permission: .hostView, operation: APIOperation(
            id: "listImages", summary: "The images of a host", tag: "images",
            description: "Takes the engine's filters, as repeatable parameters or as its `filters` JSON.",
            query: ImageQuery.parameters, responses: [.init(200, "The images", ImageListJSON.schema)])
        ) { request, _, scope in
            try .json(encoding: ImageListJSON(images: try await service.list(scope, try ImageQuery(request))))
        }
        router.hostAPI(.get, "/search", permission: .hostView, operation: APIOperation(
            id: "searchImages", summary: "Search a registry through the host's engine (Docker Hub unless the term names one)", tag: "images",
            query: [.init("term", .string(minLength: 1), "What to search for.", required: true),
                    .init("limit", .integer(minimum: 1), "At most this many results (100 at most).")],
            responses: [.init(200, "The results", ImageSearchJSON.schema)])
        ) { request, _, scope in
            let limit = try request.queryValue("limit").map { text -> Int in
                guard let value = Int(text), value >= 1 else { throw HTTPError(.badRequest, "limit must be a number of results, 1 or more.") }
                return min(value, 100)
            }
            return try .json(encoding: try await service.search(request.queryValue("term") ?? "", limit: limit, on: scope))
        }
        router.hostAPI(.post, "/pull", permission: .hostOperate, operation: APIOperation(
            id: "pullImage", summary: "Pull an image (a job: one progress event per layer change)", tag: "images",
            body: TransferRequest.schema, responses: Self.jobStarted)
        ) { request, context, scope in
            let body = try await JSONBody.decode(TransferRequest.self, from: request)
            guard let reference = ImageReference(body.reference ?? "") else { throw FieldErrors(["reference": "Give an image name like busybox:1.36."]) }
            let job = try await service.startPull(reference, username: body.username, password: body.password, on: scope, context: context)
            return try JobAnswer.response(job, request)
        }
        for (path, id, summary, body) in [
            ("/build", "buildImage", "Build an image from a tar context streamed as the body (a job)", "application/x-tar"),
            ("/load", "loadImage", "Load images from a tar streamed as the body, as docker save writes it (a job)", "application/x-tar"),
            ("/import", "importImage", "Import a root filesystem tar streamed as the body as a new image (a job)", "application/x-tar"),
        ] {
            let query: [APIOperation.Parameter] = switch path {
            case "/build": BuildRequest.queryParameters
            case "/import": [
                .init("reference", .string(), "The new image's name: base:1.0."), .init("message", .string(), "A commit message."),
                .init("changes", .string(), "A Dockerfile instruction (CMD, ENV…), repeatable."),
            ]
            default: []
            }
            router.hostAPI(.post, path, permission: .hostOperate, maxBodyBytes: ImageService.uploadLimit, operation: APIOperation(
                id: id, summary: summary, tag: "images",
                description: "The archive is checked entry by entry as it arrives (not tar, absolute paths, `..`, cut off: 400) and "
                    + "forwarded to the engine at once, whatever its size. The answer comes when the engine has all of it.",
                query: query, bodyContentType: body, responses: Self.jobStarted)
            ) { request, context, scope in
                let job = switch path {
                case "/build": try await service.startBuild(request, on: scope, context: context)
                case "/load": try await service.startLoad(request, on: scope, context: context)
                default: try await service.startImport(request, on: scope, context: context)
                }
                return try JobAnswer.response(job, request)
            }
        }
        router.hostAPI(.get, "/save", permission: .hostOperate, operation: APIOperation(
            id: "saveImages", summary: "Images as one tar archive, streamed (docker save; audited)", tag: "images",
            query: [.init("name", .string(minLength: 1), "An image name or id, repeatable.", required: true)],
            responses: [.init(200, "A tar archive", nil, contentType: "application/x-tar")])
        ) { request, context, scope in
            try await ImageSave.response(request.queryItems.filter { $0.name == "name" }.map(\.value), service: service, scope: scope, context: context)
        }
        router.hostAPI(.post, "/prune/images", permission: .hostOperate, operation: APIOperation(
            id: "pruneImages", summary: "Preview (dryRun) or remove images nobody uses", tag: "images",
            description: "First call with dryRun=true to see what the mode and filters select; then send those ids to remove exactly "
                + "them. If the selection changed in between, nothing is removed and the answer is 409.",
            body: ImagePrune.Request.schema, responses: [.init(200, "What would be or was removed", ImagePrune.Answer.schema)])
        ) { request, context, scope in
            let body = try await JSONBody.decode(ImagePrune.Request.self, from: request)
            let selection = try ImagePrune.Selection(mode: body.mode, until: body.until, labels: body.label ?? [], now: AuditEntry.now() / 1000)
            if body.dryRun == true {
                let preview = try await ImagePrune.preview(scope, selection, service: service)
                return try .json(encoding: ImagePrune.Answer(images: preview, spaceReclaimed: preview.reduce(0) { $0 + $1.size }, dryRun: true))
            }
            guard let ids = body.ids else { throw FieldErrors(["ids": "Send the ids a dryRun listed, or dryRun=true first."]) }
            let (removed, reclaimed) = try await ImagePrune.confirm(ids, selection, scope: scope, context: context, service: service)
            return try .json(encoding: ImagePrune.Answer(images: removed, spaceReclaimed: reclaimed, dryRun: false))
        }
        router.hostAPI(.get, "/images/:id", permission: .hostView, operation: APIOperation(
            id: "getImage", summary: "One image, with the containers made from it and the engine's document under raw", tag: "images",
            responses: [.init(200, "The image", ImageDetailJSON.schema)])
        ) { _, context, scope in
            try .json(encoding: try await service.detail(context.parameters["id"] ?? "", on: scope).0)
        }
        router.hostAPI(.get, "/images/:id/history", permission: .hostView, operation: APIOperation(
            id: "getImageHistory", summary: "An image's layers, newest first, with the step that made each", tag: "images",
            responses: [.init(200, "The history", ImageHistoryJSON.schema)])
        ) { _, context, scope in
            try .json(encoding: ["history": try await service.history(context.parameters["id"] ?? "", on: scope)])
        }
        router.hostAPI(.post, "/images/:id/tag", permission: .hostOperate, operation: APIOperation(
            id: "tagImage", summary: "Give an image another name (audited)", tag: "images",
            query: [.init("name", .string(minLength: 1), "The new name: web:1.2.", required: true)], responses: [.init(204, "Tagged")])
        ) { request, context, scope in
            _ = try await service.tag(context.parameters["id"] ?? "", as: request.queryValue("name") ?? "", on: scope, context: context)
            return HTTPResponse(status: .noContent)
        }
        router.hostAPI(.post, "/images/:id/push", permission: .hostOperate, operation: APIOperation(
            id: "pushImage", summary: "Push an image's name to its registry (a job)", tag: "images",
            description: "The name to push is `reference`, or the path's image when it is a name.",
            body: TransferRequest.schema, responses: Self.jobStarted)
        ) { request, context, scope in
            let body = try await JSONBody.decode(TransferRequest.self, from: request)
            let name = body.reference ?? context.parameters["id"] ?? ""
            guard let reference = ImageReference(name), reference.digest == nil else {
                throw FieldErrors(["reference": "Give the name to push, like registry.example.com:5000/team/web:1.2."])
            }
            let job = try await service.startPush(reference, username: body.username, password: body.password, on: scope, context: context)
            return try JobAnswer.response(job, request)
        }
        router.hostAPI(.delete, "/images/:id", permission: .hostOperate, operation: APIOperation(
            id: "removeImage", summary: "Remove an image, or one of its names (audited)", tag: "images",
            query: [
                .init("force", .boolean(), "Remove it even when stopped containers use it, or it has several names."),
                .init("noprune", .boolean(), "Keep untagged parent images."),
            ],
            responses: [.init(200, "What was untagged and deleted", ImageRemovedJSON.schema)])
        ) { request, context, scope in
            let force = try request.queryValue("force").map { try EngineFilterQuery.flag("force", $0, bare: true) } ?? false
            let noPrune = try request.queryValue("noprune").map { try EngineFilterQuery.flag("noprune", $0, bare: true) } ?? false
            return try .json(encoding: try await service.remove(context.parameters["id"] ?? "", force: force, noPrune: noPrune, on: scope, context: context))
        }
        router.hostAPI(.post, "/containers/:id/commit", permission: .hostOperate, operation: APIOperation(
            id: "commitContainer", summary: "A container's filesystem as a new image (docker commit; audited)", tag: "images",
            body: CommitInput.schema, responses: [.init(201, "The new image", .named("ImageCommitted", .object(["id": .string()], required: ["id"])))])
        ) { request, context, scope in
            let input = try await JSONBody.decode(CommitInput.self, from: request)
            let id = try await service.commit(context.parameters["id"] ?? "", input, on: scope, context: context)
            return try .json(encoding: ["id": id], status: .created)
        }
    }
}
