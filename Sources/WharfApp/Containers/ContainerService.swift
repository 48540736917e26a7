import WharfWire
import WharfDocker
import WharfHTTP

/// Everything the container pages and the container API do, once: both call this, so a rule
/// (what is audited, how a reference is resolved, what prune may remove) lives in one place.
struct ContainerService: Sendable {
    let hosts: HostServices
    let audit: AuditLog

    /// A container as the user named it, resolved to its id and name.
    struct Reference: Sendable {
        let id: String
        let name: String
        let state: ContainerInspect.State

        /// "web-1 (3f2a1b0c9d8e)": the audit target of actions on it.
        var target: String { "\(name) (\(id.prefix(12)))" }
    }

    /// The containers of one host, sorted as asked.
    func list(_ scope: HostScope, _ query: ContainerQuery) async throws -> [ContainerJSON] {
        let summaries = try await scope.engine { client in
            try await client.listContainers(all: query.all, size: query.size, filters: query.filters.isEmpty ? nil : query.filters)
        }
        return query.sorted(summaries.map { ContainerJSON($0, host: scope.host) })
    }

    /// Resolves `reference` (an id, a unique id prefix or a name). - Throws: 404 naming it.
    func resolve(_ reference: String, on scope: HostScope) async throws -> Reference {
        let inspect = try await scope.engine(subject: reference) { client in try await client.inspectContainer(reference) }
        return Reference(id: inspect.id, name: Self.name(inspect.name), state: inspect.state)
    }

    /// The container's summary fields, its typed inspect and the engine's whole document.
    func detail(_ reference: String, on scope: HostScope) async throws -> (ContainerInspect, JSONValue) {
        try await scope.engine(subject: reference) { client in try await client.inspectContainerDocument(reference) }
    }

    func top(_ reference: String, on scope: HostScope) async throws -> ContainerTop {
        try await scope.engine(subject: reference) { client in try await client.topContainer(reference) }
    }

    func changes(_ reference: String, on scope: HostScope) async throws -> [ContainerChange] {
        try await scope.engine(subject: reference) { client in try await client.containerChanges(reference) }
    }

    /// Resolves the container an action names; when that fails, the attempt is still audited
    /// (as `failed`, with the reference as given).
    private func resolve(
        for action: String, _ reference: String, parameters: [String: String] = [:], on scope: HostScope, context: RequestContext
    ) async throws -> Reference {
        do {
            return try await resolve(reference, on: scope)
        } catch let error as any PublicError {
            try await scope.record(
                action, target: reference, parameters: parameters, context: context, audit: audit, status: error.status,
                error: error.publicMessage)
            throw error
        }
    }

    /// The container's filesystem as a tar stream (audited: it may hold secrets).
    func export(_ reference: String, on scope: HostScope, context: RequestContext) async throws -> (Reference, DockerResponseBody) {
        let container = try await resolve(for: "container.export", reference, on: scope, context: context)
        let body = try await scope.audited("container.export", target: container.target, subject: container.name, context: context, audit: audit) {
            client in try await client.exportContainer(container.id)
        }
        return (container, body)
    }

    /// Runs `action` on the container `reference`, audited as `container.<action>`.
    @discardableResult
    func perform(_ action: ContainerAction, on reference: String, scope: HostScope, context: RequestContext) async throws -> Reference {
        let container = try await resolve(
            for: "container." + action.name, reference, parameters: action.parameters, on: scope, context: context)
        try await scope.audited(
            "container." + action.name, target: container.target, parameters: action.parameters, subject: container.name,
            context: context, audit: audit
        ) { client in
            switch action {
            case .start: try await client.startContainer(container.id)
            case .stop(let timeout): try await client.stopContainer(container.id, timeout: timeout)
            case .restart(let timeout): try await client.restartContainer(container.id, timeout: timeout)
            case .kill(let signal): try await client.killContainer(container.id, signal: signal)
            case .pause: try await client.pauseContainer(container.id)
            case .unpause: try await client.unpauseContainer(container.id)
            case .rename(let name): try await client.renameContainer(container.id, to: name)
            case .remove(let force, let volumes): try await client.removeContainer(container.id, force: force, volumes: volumes)
            }
        }
        return container
    }

    /// Creates a container from checked input (and starts it when asked), audited as
    /// `container.create` (env values redacted) and `container.start`.
    func create(_ input: ContainerCreateInput.Checked, on scope: HostScope, context: RequestContext) async throws -> (id: String, warnings: [String]) {
        let target = input.name.map { "\($0) (new)" } ?? "(unnamed)"
        let created = try await scope.audited(
            "container.create", target: target, parameters: input.auditParameters, subject: input.name, context: context, audit: audit
        ) { client in try await client.createContainer(name: input.name, config: input.config) }
        if input.start {
            let name = input.name ?? String(created.id.prefix(12))
            try await scope.audited(
                "container.start", target: "\(name) (\(created.id.prefix(12)))", subject: name, context: context, audit: audit
            ) { client in try await client.startContainer(created.id) }
        }
        return (created.id, created.warnings ?? [])
    }

    /// Records that the environment's values of a container were shown (they often hold secrets).
    func auditReveal(_ inspect: ContainerInspect, scope: HostScope, context: RequestContext) async throws {
        try await scope.record(
            "container.env.reveal", target: "\(Self.name(inspect.name)) (\(inspect.id.prefix(12)))", context: context, audit: audit,
            status: .ok, error: nil)
    }

    static func name(_ engineName: String) -> String {
        engineName.hasPrefix("/") ? String(engineName.dropFirst()) : engineName
    }
}

/// What can be done to a container, with what the audit row records of it.
enum ContainerAction: Sendable, Equatable {
    case start
    case stop(timeout: Int?)
    case restart(timeout: Int?)
    case kill(signal: String?)
    case pause
    case unpause
    case rename(String)
    case remove(force: Bool, volumes: Bool)

    var name: String {
        switch self {
        case .start: "start"
        case .stop: "stop"
        case .restart: "restart"
        case .kill: "kill"
        case .pause: "pause"
        case .unpause: "unpause"
        case .rename: "rename"
        case .remove: "remove"
        }
    }

    var parameters: [String: String] {
        switch self {
        case .stop(let timeout?), .restart(let timeout?): ["timeout": String(timeout)]
        case .kill(let signal?): ["signal": signal]
        case .rename(let name): ["name": name]
        case .remove(let force, let volumes): ["force": String(force), "volumes": String(volumes)]
        default: [:]
        }
    }

    /// Signals offered for kill (the engine accepts any name or number).
    static let signals = ["SIGKILL", "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"]

    /// Reads an action from its name and form or query fields. - Throws: 422 naming the field.
    static func parse(_ name: String, _ value: (String) -> String?) throws -> ContainerAction {
        func seconds() throws -> Int? {
            guard let text = value("timeout"), !text.isEmpty else { return nil }
            guard let seconds = Int(text), (0...3600).contains(seconds) else {
                throw FieldErrors(["timeout": "Give the seconds to wait before killing, 0 to 3600."])
            }
            return seconds
        }
        func flag(_ field: String) -> Bool { ["1", "true", "on", "yes"].contains(value(field)?.lowercased() ?? "") }
        switch name {
        case "start": return .start
        case "stop": return .stop(timeout: try seconds())
        case "restart": return .restart(timeout: try seconds())
        case "kill":
            let signal = value("signal").flatMap { $0.isEmpty ? nil : $0 }
            if let signal, !Self.isSignal(signal) {
                throw FieldErrors(["signal": "Give a signal name like SIGTERM or HUP, or its number."])
            }
            return .kill(signal: signal)
        case "pause": return .pause
        case "unpause": return .unpause
        case "rename":
            let newName = value("name")?.trimmingASCIISpaces() ?? ""
            if let problem = ContainerCreateInput.nameProblem(String(newName)) { throw FieldErrors(["name": problem]) }
            return .rename(String(newName))
        case "remove": return .remove(force: flag("force"), volumes: flag("volumes"))
        default: throw HTTPError(.notFound, "There is no container action \(name).")
        }
    }

    static func isSignal(_ text: String) -> Bool {
        text.utf8.count <= 16 && !text.isEmpty && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) }
    }
}
