import WharfWire
import WharfSQLite
import WharfHTTP
import WharfTemplates

/// The page per host "Use the docker CLI": the `DOCKER_HOST` value, a `config.json` snippet, a
/// `docker context create` command, a button creating a token for it (shown once, under the
/// usual token rules), and for admins the host's endpoint setting (``EndpointCapability``).
struct DockerCLIRoutes {
    let pages: Pages
    let hosts: HostServices
    let accounts: AccountServices
    /// `--public-url`: when set, the snippets name it rather than the address the page was reached at.
    let publicURL: PublicURL?

    static let tokenFields = [
        FieldView("name", label: "Token name", hint: "What uses it, e.g. laptop or ci-runner."),
        FieldView("expires_days", label: "Expires after (days)", type: "number", hint: "Empty for no expiry.", required: false),
    ]

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/hosts/:host/docker-cli", permission: Permission.hostView) { request, context in
            let host = try await host(context)
            return try await page(host, request, context, notice: request.queryValue("done") == "settings" ? "Endpoint setting saved." : nil)
        }
        router.add(.post, "/hosts/:host/docker-cli/token", permission: Permission.hostView) { request, context in
            try await createToken(request, context)
        }
        router.add(.post, "/hosts/:host/docker-cli/settings", permission: Permission.admin) { request, context in
            let host = try await host(context)
            let form = try await Form.read(request)
            let chosen = Set(EndpointCapability.allCases.filter { form[$0.rawValue] == "1" })
            let now = accounts.time.now()
            let actor = context.auditActor
            try await accounts.database.write { connection in
                let before = try EndpointSettingsRepository.capabilities(hostID: host.id, on: connection)
                try EndpointSettingsRepository.set(chosen, hostID: host.id, now: now, on: connection)
                var entry = actor.entry("host.docker.settings", target: host.name, parameters: [
                    "before": EndpointCapability.text(before), "after": EndpointCapability.text(chosen),
                ])
                entry.hostID = host.id
                try AuditLog.append(entry, on: connection)
            }
            return .redirect(to: "/hosts/\(host.id)/docker-cli?done=settings")
        }
    }

    private func host(_ context: RequestContext) async throws -> DockerHost {
        guard let reference = context.parameters["host"], let host = try await hosts.registry.host(reference) else {
            throw HTTPError(.notFound, "There is no such host. It may have been removed; go back to the list of hosts.")
        }
        return host
    }

    private func createToken(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        let host = try await host(context)
        let form = try await Form.read(request)
        var state = FormState(["name": form.text("name"), "expires_days": form.text("expires_days")])
        let role = Role(rawValue: form.text("role"))
        var days: Int?
        if !form.text("expires_days").isEmpty {
            days = Int(form.text("expires_days"))
            if days == nil { state.fail("expires_days", "Enter a whole number of days, or leave it empty.") }
        }
        if !state.hasErrors {
            do {
                let created = try await accounts.createToken(
                    userID: principal.userID, name: form.text("name"), role: role, expiresInDays: days, by: context.auditActor)
                return try await page(host, request, context, newToken: created.secret)
            } catch AccountError.invalid(let field, let message) {
                state.fail(field, message)
            }
        }
        return try await page(host, request, context, token: state, tokenRole: role, status: .unprocessableContent)
    }

    private func page(
        _ host: DockerHost, _ request: HTTPRequest, _ context: RequestContext, notice: String? = nil,
        token: FormState? = nil, tokenRole: Role? = nil, newToken: String? = nil, status: HTTPStatus = .ok
    ) async throws -> HTTPResponse {
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        let capabilities = try await accounts.database.read { connection in
            try EndpointSettingsRepository.capabilities(hostID: host.id, on: connection)
        }
        let (authority, secure) = Self.authority(publicURL: publicURL, hostHeader: request.headers["Host"], secure: context.isSecure)
        let base = "tcp://\(authority)/api/v1/hosts/\(host.name)/docker"
        let shownToken = newToken ?? "<token>"
        let config = "{\n  \"HttpHeaders\": {\n    \"Authorization\": \"Bearer \(shownToken)\"\n  }\n}"
        let tls = secure ? " --tlsverify" : ""
        let form = token ?? FormState(["name": "docker CLI on \(host.name)", "expires_days": "90"])
        return try pages.render("hosts/docker-cli", title: "Use the docker CLI with \(host.name)", status: status,
                                context: context, section: "hosts", values: [
            "host": .object(["id": .int(Int(host.id)), "name": .text(host.name), "url": .text("/hosts/\(host.id)")]),
            "dockerHost": .text(base),
            "exports": .text("export DOCKER_HOST=\(base)\nexport DOCKER_BUILDKIT=0" + (secure ? "\nexport DOCKER_TLS_VERIFY=1" : "")),
            "config": .text(config),
            "context": .text("docker context create wharf-\(host.name) --docker \"host=\(base)\"\ndocker context use wharf-\(host.name)"),
            "python": .text("import docker\nclient = docker.DockerClient(base_url=\"\(base)\", version=\"1.41\")\n"
                + "client.api.headers[\"Authorization\"] = \"Bearer \(shownToken)\""),
            "tls": .bool(secure),
            "tlsFlag": .text(tls),
            "newToken": newToken.map(TemplateValue.text) ?? .null,
            "tokenFields": FieldView.values(Self.tokenFields, form, prefix: "token-"),
            "tokenForm": form.templateValue(fields: ["role"]),
            "roles": UserRoutes.roleOptions(selected: tokenRole ?? principal.role, upTo: principal.role),
            "isAdmin": .bool(principal.isAdmin),
            "capabilities": .list(EndpointCapability.allCases.map { capability in
                .object(["name": .text(capability.rawValue), "label": .text(capability.label),
                         "enabled": .bool(capabilities.contains(capability))])
            }),
            "notice": notice.map(TemplateValue.text) ?? .null,
        ])
    }

    /// The `host:port` the docker CLI should dial, and whether over TLS: `--public-url` when set,
    /// else the address this page was reached at. Always with a port: the CLI reads
    /// `tcp://host/…` as port 2375.
    static func authority(publicURL: PublicURL?, hostHeader: String?, secure: Bool) -> (String, Bool) {
        if let publicURL {
            let shown = publicURL.host.contains(":") ? "[\(publicURL.host)]" : publicURL.host
            return ("\(shown):\(publicURL.port ?? (publicURL.isHTTPS ? 443 : 80))", publicURL.isHTTPS)
        }
        let host = hostHeader ?? "127.0.0.1:8080"
        // A port is a colon after the last `]` (IPv6 literals are bracketed in Host).
        let afterBracket = host.lastIndex(of: "]").map { host[host.index(after: $0)...] } ?? host[...]
        return (afterBracket.contains(":") ? host : "\(host):\(secure ? 443 : 80)", secure)
    }
}
