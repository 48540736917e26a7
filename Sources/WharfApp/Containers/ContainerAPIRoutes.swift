import WharfDocker
import WharfHTTP

/// `/api/v1/hosts/:host/containers…`: the same service, permissions and audit as the pages.
struct ContainerAPIRoutes {
    let service: ContainerService
    let logs: ContainerLogs

    struct Created: Encodable {
        let id: String
        let warnings: [String]
        static let schema = JSONSchema.named("ContainerCreated", .object([
            "id": .string(), "warnings": .array(.string()),
        ], required: ["id", "warnings"]))
    }

    static let actions: [(name: String, summary: String, query: [APIOperation.Parameter])] = [
        ("start", "Start a container", []),
        ("stop", "Stop a container (SIGTERM, then SIGKILL after the timeout)", [
            .init("timeout", .integer(minimum: 0), "Seconds to wait before killing; the container's own when absent."),
        ]),
        ("restart", "Restart a container", [.init("timeout", .integer(minimum: 0), "Seconds to wait before killing.")]),
        ("kill", "Send a signal to a container (SIGKILL by default)", [.init("signal", .string(), "SIGTERM, HUP, 9…")]),
        ("pause", "Pause a container's processes", []),
        ("unpause", "Resume a paused container", []),
        ("rename", "Rename a container", [.init("name", .string(), "The new name.", required: true)]),
    ]

    func register(into router: inout AppRouter) {
        let service = self.service
        router.hostAPI(.get, "/containers", permission: .hostView, operation: APIOperation(
            id: "listContainers", summary: "The containers of a host", tag: "containers",
            description: "Takes the engine's filters, as repeatable parameters or as its `filters` JSON.",
            query: ContainerQuery.parameters, responses: [.init(200, "The containers", ContainerListJSON.schema)])
        ) { request, _, scope in
            try .json(encoding: ContainerListJSON(containers: try await service.list(scope, try ContainerQuery(request)), unavailable: []))
        }
        router.hostAPI(.post, "/containers", permission: .hostOperate, operation: APIOperation(
            id: "createContainer", summary: "Create a container (and start it with start=true)", tag: "containers",
            body: ContainerCreateInput.schema, responses: [.init(201, "Created", Created.schema)])
        ) { request, context, scope in
            let input = try await JSONBody.decode(ContainerCreateInput.self, from: request)
            let checked = try input.check()
            try await ContainerPolicy.checkBinds(checked, scope: scope, context: context, audit: service.audit)
            let created = try await service.create(checked, on: scope, context: context)
            return try .json(encoding: Created(id: created.id, warnings: created.warnings), status: .created)
        }
        router.hostAPI(.get, "/containers/:id", permission: .hostView, operation: APIOperation(
            id: "getContainer", summary: "One container, with the engine's inspect document under raw", tag: "containers",
            query: [.init("env", .boolean(), "Include the environment's values (audited as container.env.reveal).")],
            responses: [.init(200, "The container", ContainerDetailJSON.schema)])
        ) { request, context, scope in
            let reference = context.parameters["id"] ?? ""
            let reveal = try request.queryValue("env").map { try EngineFilterQuery.flag("env", $0) } ?? false
            let (inspect, raw) = try await service.detail(reference, on: scope)
            if reveal { try await service.auditReveal(inspect, scope: scope, context: context) }
            return try .json(encoding: ContainerDetailJSON(inspect, raw: raw, host: scope.host, revealEnv: reveal))
        }
        router.hostAPI(.get, "/containers/:id/top", permission: .hostView, operation: APIOperation(
            id: "getContainerProcesses", summary: "The processes running in a container (ps)", tag: "containers",
            responses: [.init(200, "Titles and rows", .named("ContainerTop", .object([
                "titles": .array(.string()), "processes": .array(.array(.string())),
            ], required: ["titles", "processes"])))])
        ) { _, context, scope in
            let top = try await service.top(context.parameters["id"] ?? "", on: scope)
            struct Top: Encodable { let titles: [String]; let processes: [[String]] }
            return try .json(encoding: Top(titles: top.titles, processes: top.processes))
        }
        router.hostAPI(.get, "/containers/:id/changes", permission: .hostView, operation: APIOperation(
            id: "getContainerChanges", summary: "Files added, changed or deleted in the container's layer", tag: "containers",
            responses: [.init(200, "The changes", .named("ContainerChanges", .object([
                "changes": .array(.object([
                    "path": .string(), "kind": .string(values: ["changed", "added", "deleted"]),
                ], required: ["path", "kind"])),
            ], required: ["changes"])))])
        ) { _, context, scope in
            let changes = try await service.changes(context.parameters["id"] ?? "", on: scope)
            return try .json(encoding: ["changes": changes.map { ["path": $0.path, "kind": ContainerViews.changeKind($0.kind)] }])
        }
        router.hostAPI(.get, "/containers/:id/stats", permission: .hostView, operation: APIOperation(
            id: "getContainerStats", summary: "One stats sample (CPU, memory, network and block I/O)", tag: "containers",
            responses: [.init(200, "The sample", StatsSample.schema)])
        ) { _, context, scope in
            let container = try await service.resolve(context.parameters["id"] ?? "", on: scope)
            let stats = try await scope.engine(subject: container.name) { client in try await client.containerStatsOnce(container.id) }
            return try .json(encoding: StatsSample(stats, time: AuditEntry.now()))
        }
        router.hostAPI(.get, "/containers/:id/logs", permission: .hostView, operation: APIOperation(
            id: "getContainerLogs", summary: "A container's output as text, streamed", tag: "containers",
            query: ContainerLogs.parameters,
            responses: [.init(200, "The output, one line per line (stdout and stderr interleaved)", nil, contentType: "text/plain")])
        ) { request, context, scope in
            try await logs.download(context.parameters["id"] ?? "", request: request, scope: scope, attachment: false)
        }
        router.hostAPI(.get, "/containers/:id/export", permission: .hostOperate, operation: APIOperation(
            id: "exportContainer", summary: "The container's filesystem as a tar archive, streamed (audited)", tag: "containers",
            responses: [.init(200, "A tar archive", nil, contentType: "application/x-tar")])
        ) { _, context, scope in
            try await ContainerExport.response(context.parameters["id"] ?? "", service: service, scope: scope, context: context)
        }
        for action in Self.actions {
            router.hostAPI(.post, "/containers/:id/\(action.name)", permission: .hostOperate, operation: APIOperation(
                id: action.name + "Container", summary: action.summary, tag: "containers", query: action.query,
                responses: [.init(204, "Done")])
            ) { request, context, scope in
                let parsed = try ContainerAction.parse(action.name) { request.queryValue($0) }
                try await service.perform(parsed, on: context.parameters["id"] ?? "", scope: scope, context: context)
                return HTTPResponse(status: .noContent)
            }
        }
        router.hostAPI(.delete, "/containers/:id", permission: .hostOperate, operation: APIOperation(
            id: "removeContainer", summary: "Remove a container", tag: "containers",
            query: [
                .init("force", .boolean(), "Kill it first if it is running."),
                .init("volumes", .boolean(), "Also remove its anonymous volumes."),
            ],
            responses: [.init(204, "Removed")])
        ) { request, context, scope in
            let parsed = try ContainerAction.parse("remove") { request.queryValue($0) }
            try await service.perform(parsed, on: context.parameters["id"] ?? "", scope: scope, context: context)
            return HTTPResponse(status: .noContent)
        }
        ContainerPrune.registerAPI(into: &router, service: service)
    }
}
