import WharfHTTP
import WharfTemplates

/// The views of the host pages.
extension HostRoutes {
    static let notices = [
        "created": "Host added. Its first health check runs now.", "updated": "Host saved.",
        "deleted": "Host removed.", "grants": "Access saved.",
    ]

    static let fields = [
        FieldView("name", label: "Name", hint: "Letters, digits, dots, dashes, underscores; up to 64 characters.", autofocus: true),
        FieldView("url", label: "Address", hint: "unix:///var/run/docker.sock, tcp://10.0.0.5:2375 (trusted networks only) or https://docker.example:2376 (TLS)."),
    ]

    /// The form state of an input, with the problems of `error` next to their fields.
    static func state(_ input: HostInput, _ error: HostError?) -> FormState {
        var state = FormState([
            "name": input.name, "url": input.url, "tls_ca": input.certificateAuthorityPEM ?? "",
            "tls_cert": input.certificatePEM ?? "",
        ])
        if case .invalid(let problems)? = error {
            for field in HostInput.Field.allCases { if let problem = problems[field] { state.fail(field.rawValue, problem) } }
        } else if let error {
            state.message = error.description
        }
        return state
    }

    /// The form state of a stored host (the key is never shown).
    static func state(_ host: DockerHost) -> FormState {
        FormState([
            "name": host.name, "url": host.url, "tls_ca": host.certificateAuthorityPEM ?? "", "tls_cert": host.certificatePEM ?? "",
        ])
    }

    func formPage(
        _ context: RequestContext, editing: DockerHost?, state: FormState, test: HostStatus? = nil, status: HTTPStatus = .ok
    ) throws -> HTTPResponse {
        let title = editing.map { "Edit \($0.name)" } ?? "New host"
        return try pages.render("hosts/form", title: title, status: status, context: context, section: "hosts", values: [
            "fields": FieldView.values(Self.fields, state),
            "form": state.templateValue(fields: HostInput.Field.allCases.map(\.rawValue)),
            "editing": editing.map { .object(["id": .int(Int($0.id)), "name": .text($0.name), "hasKey": .bool($0.sealedKey != nil)]) } ?? .null,
            "action": .text(editing.map { "/hosts/\($0.id)" } ?? "/hosts"),
            "cancel": .text(editing.map { "/hosts/\($0.id)" } ?? "/hosts"),
            "pem": Self.pemFields(state, keepsKey: editing?.sealedKey != nil),
            "test": test.map { Self.statusValue($0, now: time.now()) } ?? .null,
        ])
    }

    /// The three PEM textareas (the key is never filled in again).
    static func pemFields(_ state: FormState, keepsKey: Bool) -> TemplateValue {
        let keyHint = keepsKey
            ? "Stored encrypted and never shown. Leave empty to keep the stored key; paste a new one to replace it."
            : "Docker's key.pem, unencrypted. Stored encrypted; never shown again."
        let specs: [(HostInput.Field, String, String)] = [
            (.ca, "Docker's ca.pem: the CA that signed the engine's certificate: paste it or upload the file.", "CERTIFICATE"),
            (.cert, "Docker's cert.pem, for engines that require mutual TLS (dockerd --tlsverify).", "CERTIFICATE"),
            (.key, keyHint, "PRIVATE KEY"),
        ]
        let form = state.templateValue(fields: specs.map(\.0.rawValue))
        var values: [String: TemplateValue] = [:]
        for (field, hint, kind) in specs {
            var value: TemplateValue = ""
            var error: TemplateValue = .null
            if case .object(let object) = form, case .object(let entry)? = object[field.rawValue] {
                value = field == .key ? "" : entry["value"] ?? ""
                error = entry["error"] ?? .null
            }
            values[field.rawValue] = .object([
                "id": .text(field.rawValue), "label": .text(field.label), "hint": .text(hint), "kind": .text(kind),
                "value": value, "error": error,
            ])
        }
        return .object(values)
    }

    func list(_ context: RequestContext, notice: String?) async throws -> HTTPResponse {
        guard let principal = context.principal else { throw HTTPError(.unauthorized, "Sign in first.") }
        let visible = try await hosts.registry.hosts(visibleTo: principal)
        return try pages.render("hosts/index", title: "Hosts", context: context, section: "hosts", values: [
            "hosts": try await hostValues(visible),
            "isAdmin": .bool(principal.isAdmin),
            "notice": notice.flatMap { Self.notices[$0] }.map(TemplateValue.text) ?? .null,
        ])
    }

    /// Each host with its last known status, as lists show them.
    /// The hosts' rows; `counts` replaces the health checker's containers by state where known.
    func hostValues(_ list: [DockerHost], counts: [Int64: HostStatus.Counts] = [:]) async throws -> TemplateValue {
        let now = time.now()
        var values: [TemplateValue] = []
        for host in list {
            var status = await hosts.health.status(host.id)
            if let known = counts[host.id], status.state == .up { status.counts = known }
            values.append(Self.hostValue(host, status: status, now: now))
        }
        return .list(values)
    }

    func detail(_ host: DockerHost, _ context: RequestContext, notice: String?) async throws -> HTTPResponse {
        let isAdmin = context.principal?.isAdmin ?? false
        let now = time.now()
        let grantees = isAdmin ? try await hosts.registry.grantees(of: host) : []
        return try pages.render("hosts/show", title: host.name, context: context, section: "hosts", values: [
            "host": Self.hostValue(host, status: await hosts.health.status(host.id), now: now),
            "certificates": .list(HostCertificates.values(host, now: now)),
            "nav": HostNav.value(host, current: "host"),
            "isAdmin": .bool(isAdmin),
            "grantees": .list(grantees.map { grantee in
                .object([
                    "id": .int(Int(grantee.userID)), "username": .text(grantee.username), "userRole": .text(grantee.userRole),
                    "grant": .text(grantee.grant?.rawValue ?? "none"),
                    "options": .list([("none", "No access"), ("viewer", "Viewer"), ("operator", "Operator")].map { value, label in
                        .object(["value": .text(value), "label": .text(label), "selected": .bool((grantee.grant?.rawValue ?? "none") == value)])
                    }),
                ])
            }),
            "notice": notice.flatMap { Self.notices[$0] }.map(TemplateValue.text) ?? .null,
        ])
    }

    static func hostValue(_ host: DockerHost, status: HostStatus, now: Int64) -> TemplateValue {
        .object([
            "id": .int(Int(host.id)),
            "url": .text("/hosts/\(host.id)"),
            "name": .text(host.name),
            "address": .text(host.url),
            "transport": .text(host.transportLabel),
            "status": statusValue(status, now: now),
        ])
    }

    /// An error's first sentence (what failed), for lists; the host page shows all of it.
    static func firstSentence(_ text: String) -> String {
        guard let end = text.firstRange(of: ". ") else { return text }
        return String(text[..<end.lowerBound]) + "."
    }

    static func statusValue(_ status: HostStatus, now: Int64) -> TemplateValue {
        .object([
            "state": .text(status.state.rawValue),
            "label": .text(status.label),
            "badge": .text(status.badge),
            "error": status.error.map(TemplateValue.text) ?? .null,
            "summary": status.error.map { .text(Self.firstSentence($0)) } ?? .null,
            "latency": status.latencyMilliseconds.map { .text($0 < 1 ? "under 1 ms" : "\($0) ms") } ?? .null,
            "checked": status.checkedMilliseconds.map { .text(TimeText.relative($0, now: max(now, $0))) } ?? .null,
            "engine": status.engineVersion.map(TemplateValue.text) ?? .null,
            "api": status.apiVersion.map(TemplateValue.text) ?? .null,
            "counts": status.counts.map { counts in
                .object([
                    "running": .int(counts.running), "paused": .int(counts.paused), "stopped": .int(counts.stopped),
                    "images": .text(String(counts.images)),
                ])
            } ?? .null,
            "volumes": status.diskUsage.map { .text(String($0.volumes)) } ?? .null,
            "disk": status.diskUsage.map { .text(ByteText.format($0.bytes)) } ?? .null,
        ])
    }
}
