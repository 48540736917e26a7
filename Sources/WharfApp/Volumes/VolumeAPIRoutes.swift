import WharfDocker
import WharfHTTP

/// `/api/v1/hosts/:host/volumes…`: the same service, permissions and audit as the pages.
struct VolumeAPIRoutes {
    let service: VolumeService

    func register(into router: inout AppRouter) {
        let service = self.service
        router.hostAPI(.get, "/volumes", permission: .hostView, operation: APIOperation(
            id: "listVolumes", summary: "The volumes of a host, with the containers using each", tag: "volumes",
            description: "Takes the engine's filters (dangling, driver, label, name), as repeatable parameters or as its `filters` JSON.",
            query: VolumeQuery.parameters, responses: [.init(200, "The volumes", VolumeListJSON.schema)])
        ) { request, _, scope in
            let (volumes, warnings) = try await service.list(scope, try VolumeQuery(request))
            return try .json(encoding: VolumeListJSON(volumes: volumes, warnings: warnings))
        }
        router.hostAPI(.post, "/volumes", permission: .hostOperate, operation: APIOperation(
            id: "createVolume", summary: "Create a volume", tag: "volumes",
            description: "Driver options that mount a host path or device (o=bind, type=none, device=/…) are for admins only: others get 403.",
            body: VolumeCreateInput.schema, responses: [.init(201, "Created", VolumeJSON.schema)])
        ) { request, context, scope in
            let input = try await JSONBody.decode(VolumeCreateInput.self, from: request)
            return try .json(encoding: try await service.create(try input.check(), on: scope, context: context), status: .created)
        }
        router.hostAPI(.post, "/prune/volumes", permission: .hostOperate, operation: APIOperation(
            id: "pruneVolumes", summary: "Preview (dryRun) or remove unused volumes", tag: "volumes",
            description: "First call with dryRun=true to see which unused volumes the labels select; then send those names to remove "
                + "exactly them. If the selection changed in between, nothing is removed and the answer is 409.",
            body: VolumePrune.Request.schema, responses: [.init(200, "What would be or was removed", VolumePrune.Answer.schema)])
        ) { request, context, scope in
            let body = try await JSONBody.decode(VolumePrune.Request.self, from: request)
            let labels = (body.label ?? []).filter { !$0.isEmpty }
            if body.dryRun == true {
                let preview = try await VolumePrune.preview(scope, labels: labels, service: service)
                return try .json(encoding: VolumePrune.Answer(
                    volumes: preview, spaceReclaimed: preview.reduce(0) { $0 + max(0, $1.size ?? 0) }, dryRun: true))
            }
            guard let names = body.names else { throw FieldErrors(["names": "Send the names a dryRun listed, or dryRun=true first."]) }
            let (removed, reclaimed) = try await VolumePrune.confirm(names, labels: labels, scope: scope, context: context, service: service)
            return try .json(encoding: VolumePrune.Answer(volumes: removed, spaceReclaimed: reclaimed, dryRun: false))
        }
        router.hostAPI(.get, "/volumes/:name", permission: .hostView, operation: APIOperation(
            id: "getVolume", summary: "One volume, with the engine's inspect document under raw", tag: "volumes",
            query: [.init("size", .boolean(), "Include its size, from system/df.")],
            responses: [.init(200, "The volume", VolumeDetailJSON.schema)])
        ) { request, context, scope in
            let size = try request.queryValue("size").map { try EngineFilterQuery.flag("size", $0) } ?? false
            let (volume, raw) = try await service.detail(context.parameters["name"] ?? "", size: size, on: scope)
            return try .json(encoding: VolumeDetailJSON(volume: volume, raw: raw))
        }
        router.hostAPI(.delete, "/volumes/:name", permission: .hostOperate, operation: APIOperation(
            id: "removeVolume", summary: "Remove a volume (refused while a container uses it)", tag: "volumes",
            query: [.init("force", .boolean(), "Remove it even if its driver reports an error.")],
            responses: [.init(204, "Removed")])
        ) { request, context, scope in
            let force = try request.queryValue("force").map { try EngineFilterQuery.flag("force", $0) } ?? false
            try await service.remove(context.parameters["name"] ?? "", force: force, on: scope, context: context)
            return HTTPResponse(status: .noContent)
        }
    }
}
