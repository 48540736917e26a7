import WharfDocker
import WharfHTTP
import WharfTemplates

/// The host pages: list, add, show (status, certificates, grants), edit, remove, "Test
/// connection", grants, and the one-click registration of the local engine.
struct HostRoutes {
    let pages: Pages
    let hosts: HostServices
    let time: TimeSource

    /// PEM bundles can be long; the forms accept this much.
    static let formLimit = 512 * 1024

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/hosts", permission: Permission.signedIn) { request, context in
            try await list(context, notice: request.queryValue("done"))
        }
        router.add(.get, "/hosts/new", permission: Permission.admin) { _, context in
            try formPage(context, editing: nil, state: FormState())
        }
        router.add(.post, "/hosts", permission: Permission.admin, maxBodyBytes: Self.formLimit) { request, context in
            let (input, _) = try await Self.readInput(request)
            do {
                let host = try await hosts.registry.create(input, by: context.auditActor)
                await hosts.health.checkSoon(host.id)
                return .redirect(to: "/hosts/\(host.id)?done=created")
            } catch let error as HostError {
                return try formPage(context, editing: nil, state: Self.state(input, error), status: .unprocessableContent)
            }
        }
        router.add(.post, "/hosts/test", permission: Permission.admin, maxBodyBytes: Self.formLimit) { request, context in
            try await testConnection(request, context)
        }
        router.add(.post, "/hosts/local", permission: Permission.admin) { _, context in
            let input = HostInput(name: "local", url: "unix://" + hosts.localDockerSocket)
            do {
                let host = try await hosts.registry.create(input, by: context.auditActor)
                await hosts.health.checkSoon(host.id)
                return .redirect(to: "/hosts/\(host.id)?done=created")
            } catch let error as HostError {
                throw HTTPError(.conflict, error.description + " Add the local engine from the New host page instead.")
            }
        }
        router.add(.get, "/hosts/:host", permission: Permission.hostView) { request, context in
            try await detail(try await host(context), context, notice: request.queryValue("done"))
        }
        router.add(.get, "/hosts/:host/edit", permission: Permission.admin) { _, context in
            let host = try await host(context)
            return try formPage(context, editing: host, state: Self.state(host))
        }
        router.add(.post, "/hosts/:host", permission: Permission.admin, maxBodyBytes: Self.formLimit) { request, context in
            let host = try await host(context)
            let (input, _) = try await Self.readInput(request)
            do {
                let updated = try await hosts.registry.update(host, with: input, by: context.auditActor)
                await hosts.health.checkSoon(updated.id)
                return .redirect(to: "/hosts/\(updated.id)?done=updated")
            } catch let error as HostError {
                return try formPage(context, editing: host, state: Self.state(input, error), status: .unprocessableContent)
            }
        }
        router.add(.post, "/hosts/:host/delete", permission: Permission.admin) { _, context in
            let host = try await host(context)
            try await hosts.registry.delete(host, by: context.auditActor)
            await hosts.clients.remove(id: host.id)
            await hosts.health.forget(host.id)
            return .redirect(to: "/hosts?done=deleted")
        }
        router.add(.post, "/hosts/:host/grants", permission: Permission.admin) { request, context in
            let host = try await host(context)
            let form = try await Form.read(request)
            guard let userID = Int64(form.text("user_id")) else {
                throw HTTPError(.unprocessableContent, "Choose a user to grant access to.")
            }
            let roleText = form.text("role")
            let role = HostRole(rawValue: roleText)
            guard role != nil || roleText.isEmpty || roleText == "none" else {
                throw HTTPError(.unprocessableContent, "Choose operator, viewer or no access.")
            }
            guard try await hosts.registry.setGrant(role, userID: userID, on: host, by: context.auditActor) else {
                throw HTTPError(.unprocessableContent, "Only operators and viewers get access per host; admins reach every host.")
            }
            return .redirect(to: "/hosts/\(host.id)?done=grants")
        }
    }

    /// The host named by the route's `:host` (id or name). - Throws: 404.
    func host(_ context: RequestContext) async throws -> DockerHost {
        guard let reference = context.parameters["host"], let host = try await hosts.registry.host(reference) else {
            throw HTTPError(.notFound, "There is no such host. It may have been removed; go back to the list of hosts.")
        }
        return host
    }

    /// Reads a host form: the input, and the id of the host being edited (for "Test connection").
    static func readInput(_ request: HTTPRequest) async throws -> (HostInput, Int64?) {
        let form = try await Form.read(request, limit: formLimit, multipart: true)
        // A chosen file wins over the textarea beside it.
        func pem(_ field: String) -> String? {
            if let file = form[field + "_file"], !HostInput.trim(file).isEmpty { return file }
            return form[field]
        }
        let input = HostInput(
            name: form.text("name"), url: form.text("url"), certificateAuthorityPEM: pem("tls_ca"),
            certificatePEM: pem("tls_cert"), keyPEM: pem("tls_key"))
        return (input, Int64(form.text("host_id")))
    }

    /// "Test connection": checks the form as it stands (not saved) and shows the engine's versions
    /// or the precise failure above the form.
    private func testConnection(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let (input, editingID) = try await Self.readInput(request)
        var editing: DockerHost?
        if let editingID { editing = try await hosts.registry.host(String(editingID)) }
        let endpoint: DockerEndpoint
        do {
            endpoint = try hosts.registry.endpoint(for: input, editing: editing)
        } catch let error as HostError {
            return try formPage(context, editing: editing, state: Self.state(input, error), status: .unprocessableContent)
        }
        let client = await hosts.clients.temporaryProbe(endpoint)
        let status = await HostStatus.check(client)
        client.shutdown()
        return try formPage(context, editing: editing, state: Self.state(input, nil), test: status)
    }
}
