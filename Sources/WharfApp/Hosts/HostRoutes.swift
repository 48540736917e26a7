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

    func register(into router: inout AppRouter) {
        router.add(.get, "/hosts", permission: .signedIn) { request, context in
            try await list(context, notice: request.queryValue("done"))
        }
        router.add(.get, "/hosts/new", permission: .admin) { _, context in
            try formPage(context, editing: nil, state: FormState())
        }
        router.add(.post, "/hosts", permission: .admin, maxBodyBytes: Self.formLimit) { request, context in
            let (input, _) = try await Self.readInput(request)
            do {
                let host = try await hosts.registry.create(input, by: context.auditActor)
                await hosts.health.checkSoon(host.id)
                return .redirect(to: "/hosts/\(host.id)?done=created")
            } catch let error as HostError {
                return try formPage(context, editing: nil, state: Self.state(input, error), status: .unprocessableContent)
            }
        }
        // Under the reserved name `new`, so no host name clashes with these (see HostInput.nameProblem).
        router.add(.post, "/hosts/new/test", permission: .admin, maxBodyBytes: Self.formLimit) { request, context in
            try await testConnection(request, context)
        }
        router.add(.post, "/hosts/new/local", permission: .admin) { _, context in
            let input = HostInput(name: "local", url: "unix://" + hosts.localDockerSocket)
            do {
                let host = try await hosts.registry.create(input, by: context.auditActor)
                await hosts.health.checkSoon(host.id)
                return .redirect(to: "/hosts/\(host.id)?done=created")
            } catch let error as HostError {
                throw HTTPError(.conflict, error.description + " Add the local engine from the New host page instead.")
            }
        }
        router.hostPage(.get, "", permission: .hostView) { request, context, scope in
            try await detail(scope.host, context, notice: request.queryValue("done"))
        }
        router.hostPage(.get, "/edit", permission: .hostAdmin) { _, context, scope in
            try formPage(context, editing: scope.host, state: Self.state(scope.host))
        }
        router.hostPage(.post, "", permission: .hostAdmin, maxBodyBytes: Self.formLimit) { request, context, scope in
            let (input, _) = try await Self.readInput(request)
            do {
                let updated = try await hosts.registry.update(scope.host, with: input, by: context.auditActor)
                await hosts.health.checkSoon(updated.id)
                return .redirect(to: "/hosts/\(updated.id)?done=updated")
            } catch let error as HostError {
                return try formPage(context, editing: scope.host, state: Self.state(input, error), status: .unprocessableContent)
            }
        }
        router.hostPage(.post, "/delete", permission: .hostAdmin) { _, context, scope in
            try await hosts.registry.delete(scope.host, by: context.auditActor)
            await hosts.clients.remove(id: scope.host.id)
            await hosts.health.forget(scope.host.id)
            return .redirect(to: "/hosts?done=deleted")
        }
        router.hostPage(.post, "/grants", permission: .hostAdmin) { request, context, scope in
            let form = try await Form.read(request)
            guard let userID = Int64(form.text("user_id")) else {
                throw HTTPError(.unprocessableContent, "Choose a user to grant access to.")
            }
            let roleText = form.text("role")
            let role = HostRole(rawValue: roleText)
            guard role != nil || roleText.isEmpty || roleText == "none" else {
                throw HTTPError(.unprocessableContent, "Choose operator, viewer or no access.")
            }
            guard try await hosts.registry.setGrant(role, userID: userID, on: scope.host, by: context.auditActor) else {
                throw HTTPError(.unprocessableContent, "Only operators and viewers get access per host; admins reach every host.")
            }
            return .redirect(to: "/hosts/\(scope.host.id)?done=grants")
        }
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
