import WharfDocker
import WharfHTTP
import WharfWire

/// `/api/v1/hosts/:host/networks…`: the same service, permissions and audit as the pages.
struct NetworkAPIRoutes {
    let service: NetworkService

    struct Created: Encodable {
        let id: String
        let warning: String?
        static let schema = JSONSchema.named("NetworkCreated", .object([
            "id": .string(), "warning": .nullable(.string()),
        ], required: ["id"]))
    }

    func register(into router: inout AppRouter) {
        let service = self.service
        router.hostAPI(.get, "/networks", permission: .hostView, operation: APIOperation(
            id: "listNetworks", summary: "The networks of a host, with the containers attached to each", tag: "networks",
            description: "Takes the engine's filters (dangling, driver, id, label, name, scope, type), as repeatable parameters or as its `filters` JSON.",
            query: NetworkQuery.parameters, responses: [.init(200, "The networks", NetworkListJSON.schema)])
        ) { request, _, scope in
            try .json(encoding: NetworkListJSON(networks: try await service.list(scope, try NetworkQuery(request))))
        }
        router.hostAPI(.post, "/networks", permission: .hostOperate, operation: APIOperation(
            id: "createNetwork", summary: "Create a network", tag: "networks",
            body: NetworkCreateInput.schema, responses: [.init(201, "Created", Created.schema)])
        ) { request, context, scope in
            let input = try await JSONBody.decode(NetworkCreateInput.self, from: request)
            let created = try await service.create(try input.check(), on: scope, context: context)
            return try .json(encoding: Created(id: created.id, warning: created.warning), status: .created)
        }
        router.hostAPI(.post, "/prune/networks", permission: .hostOperate, operation: APIOperation(
            id: "pruneNetworks", summary: "Preview (dryRun) or remove unused networks", tag: "networks",
            description: "First call with dryRun=true to see which unused networks the filters select; then send those ids to remove "
                + "exactly them. If the selection changed in between, nothing is removed and the answer is 409.",
            body: NetworkPrune.Request.schema, responses: [.init(200, "What would be or was removed", NetworkPrune.Answer.schema)])
        ) { request, context, scope in
            let body = try await JSONBody.decode(NetworkPrune.Request.self, from: request)
            let filters = try NetworkPrune.Filters(until: body.until, labels: body.label ?? [], now: AuditEntry.now() / 1000)
            if body.dryRun == true {
                return try .json(encoding: NetworkPrune.Answer(
                    networks: try await NetworkPrune.preview(scope, filters: filters, service: service), dryRun: true))
            }
            guard let ids = body.ids else { throw FieldErrors(["ids": "Send the ids a dryRun listed, or dryRun=true first."]) }
            let removed = try await NetworkPrune.confirm(ids, filters: filters, scope: scope, context: context, service: service)
            return try .json(encoding: NetworkPrune.Answer(networks: removed, dryRun: false))
        }
        router.hostAPI(.get, "/networks/:id", permission: .hostView, operation: APIOperation(
            id: "getNetwork", summary: "One network (subnets, containers attached), with the engine's inspect document under raw",
            tag: "networks", responses: [.init(200, "The network", NetworkDetailJSON.schema)])
        ) { _, context, scope in
            let (network, raw) = try await service.detail(context.parameters["id"] ?? "", on: scope)
            return try .json(encoding: NetworkDetailJSON(network: network, raw: raw))
        }
        router.hostAPI(.delete, "/networks/:id", permission: .hostOperate, operation: APIOperation(
            id: "removeNetwork", summary: "Remove a network (refused while containers are attached)", tag: "networks",
            responses: [.init(204, "Removed")])
        ) { _, context, scope in
            _ = try await service.remove(context.parameters["id"] ?? "", on: scope, context: context)
            return HTTPResponse(status: .noContent)
        }
        router.hostAPI(.post, "/networks/:id/connect", permission: .hostOperate, operation: APIOperation(
            id: "connectNetwork", summary: "Connect a container to a network, with aliases and fixed addresses", tag: "networks",
            body: NetworkConnectInput.schema, responses: [.init(204, "Connected")])
        ) { request, context, scope in
            let input = try await JSONBody.decode(NetworkConnectInput.self, from: request)
            let checked: (container: String, options: NetworkEndpointOptions)
            do {
                checked = try input.check()
            } catch let error as FieldErrors {
                throw FieldErrors(Dictionary(uniqueKeysWithValues: error.fieldErrors.map { (NetworkConnectInput.apiFields[$0.key] ?? $0.key, $0.value) }))
            }
            _ = try await service.connect(context.parameters["id"] ?? "", container: checked.container, options: checked.options, on: scope, context: context)
            return HTTPResponse(status: .noContent)
        }
        router.hostAPI(.post, "/networks/:id/disconnect", permission: .hostOperate, operation: APIOperation(
            id: "disconnectNetwork", summary: "Disconnect a container from a network", tag: "networks",
            body: NetworkDisconnectInput.schema, responses: [.init(204, "Disconnected")])
        ) { request, context, scope in
            let input = try await JSONBody.decode(NetworkDisconnectInput.self, from: request)
            let container = String(input.container.trimmingASCIISpaces())
            guard !container.isEmpty else { throw FieldErrors(["container": "Name the container to disconnect."]) }
            _ = try await service.disconnect(
                context.parameters["id"] ?? "", container: container, force: input.force ?? false, on: scope, context: context)
            return HTTPResponse(status: .noContent)
        }
    }
}
