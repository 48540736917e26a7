import WharfHTTP
import WharfWire

/// `/api/v1/registries…` (admins): the same service and audit as the page.
struct RegistryAPIRoutes: Sendable {
    let service: RegistryService
    let hosts: HostServices

    func register(into router: inout AppRouter) {
        let service = self.service
        let hosts = self.hosts
        router.api(.get, "/registries", permission: .admin, operation: APIOperation(
            id: "listRegistries", summary: "Stored registry credentials (never their passwords)", tag: "registries",
            responses: [.init(200, "The registries", RegistryJSON.listSchema)])
        ) { _, _ in
            try .json(encoding: ["registries": try await service.list().map(RegistryJSON.init)])
        }
        router.api(.post, "/registries", permission: .admin, operation: APIOperation(
            id: "createRegistry", summary: "Store credentials for a registry (the password is sealed at rest; audited)", tag: "registries",
            body: RegistryService.Input.schema, responses: [.init(201, "Stored", RegistryJSON.schema)])
        ) { request, context in
            let input = try await JSONBody.decode(RegistryService.Input.self, from: request)
            return try .json(encoding: RegistryJSON(try await service.create(input, context: context)), status: .created)
        }
        router.api(.get, "/registries/:id", permission: .admin, operation: APIOperation(
            id: "getRegistry", summary: "One registry's stored credentials (without the password)", tag: "registries",
            responses: [.init(200, "The registry", RegistryJSON.schema)])
        ) { _, context in
            try .json(encoding: RegistryJSON(try await service.find(context.parameters["id"] ?? "")))
        }
        router.api(.put, "/registries/:id", permission: .admin, operation: APIOperation(
            id: "updateRegistry", summary: "Change a registry's credentials (no password: keep the stored one; audited)", tag: "registries",
            body: RegistryService.Input.schema, responses: [.init(200, "Saved", RegistryJSON.schema)])
        ) { request, context in
            let registry = try await service.find(context.parameters["id"] ?? "")
            let input = try await JSONBody.decode(RegistryService.Input.self, from: request)
            return try .json(encoding: RegistryJSON(try await service.update(registry, with: input, context: context)))
        }
        router.api(.delete, "/registries/:id", permission: .admin, operation: APIOperation(
            id: "deleteRegistry", summary: "Remove a registry's credentials (audited)", tag: "registries",
            responses: [.init(204, "Removed")])
        ) { _, context in
            try await service.delete(try await service.find(context.parameters["id"] ?? ""), context: context)
            return HTTPResponse(status: .noContent)
        }
        router.api(.post, "/registries/:id/test", permission: .admin, operation: APIOperation(
            id: "testRegistry", summary: "Check the credentials with a login through a host's engine (POST /auth; audited)", tag: "registries",
            query: [.init("host", .string(), "The host (id or name) whose engine logs in.", required: true)],
            responses: [.init(200, "The registry accepted the login", RegistryTestJSON.schema)])
        ) { request, context in
            let registry = try await service.find(context.parameters["id"] ?? "")
            guard let principal = context.principal, let reference = request.queryValue("host"),
                  let scope = try await hosts.scope(reference, for: principal) else {
                throw HTTPError(.notFound, "There is no such host; pass host=<id or name>.")
            }
            return try .json(encoding: RegistryTestJSON(status: try await service.test(registry, on: scope, context: context)))
        }
    }
}
