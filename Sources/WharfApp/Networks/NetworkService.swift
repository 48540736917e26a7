import WharfDocker
import WharfHTTP

/// Everything the network pages and the network API do, once: list (with the containers
/// attached), inspect, create, remove, connect and disconnect; each action audited as
/// `network.<action>` with the host, and the engine's refusals said in plain words.
struct NetworkService: Sendable {
    let hosts: HostServices
    let audit: AuditLog

    /// A network as the user named it, resolved to its id and name.
    struct Reference: Sendable {
        let id: String
        let name: String
        /// "backend (3f2a1b0c9d8e)": the audit target of actions on it.
        var target: String { "\(name) (\(id.prefix(12)))" }
    }

    /// The networks of one host, by name, each with the containers attached.
    func list(_ scope: HostScope, _ query: NetworkQuery) async throws -> [NetworkJSON] {
        let (networks, containers) = try await scope.engine { client in
            async let networks = client.listNetworks(filters: query.filters.isEmpty ? nil : query.filters)
            async let containers = client.listContainers(all: true)
            return (try await networks, try await containers)
        }
        let attached = Self.attachments(containers)
        return networks.map { network in
            // A container that was created but never started names the network without an
            // endpoint id yet: it counts as using it (removing the network would stop it starting).
            let users = (attached[network.id] ?? []) + (attached["name:" + network.name] ?? [])
            return NetworkJSON(network, containers: users, host: scope.host)
        }
            .sorted { ($0.name.lowercased(), $0.id) < ($1.name.lowercased(), $1.id) }
    }

    /// One network with the engine's document. - Throws: 404 naming it.
    func detail(_ reference: String, on scope: HostScope) async throws -> (NetworkJSON, JSONValue) {
        let (network, raw) = try await scope.engine(subject: reference) { client in try await client.inspectNetworkDocument(reference) }
        let containers = (network.containers ?? [:]).map { id, endpoint in
            NetworkJSON.Attachment(
                id: id, shortId: String(id.prefix(12)), name: endpoint.name ?? String(id.prefix(12)),
                ipv4Address: Self.nonEmpty(endpoint.ipv4Address), ipv6Address: Self.nonEmpty(endpoint.ipv6Address),
                macAddress: Self.nonEmpty(endpoint.macAddress))
        }.sorted { $0.name < $1.name }
        return (NetworkJSON(network, containers: containers, host: scope.host), raw)
    }

    /// Resolves `reference` (an id, a unique id prefix or a name). - Throws: 404 naming it.
    func resolve(_ reference: String, on scope: HostScope) async throws -> Reference {
        let network = try await scope.engine(subject: reference) { client in try await client.inspectNetwork(reference) }
        return Reference(id: network.id, name: network.name)
    }

    /// Creates a checked network, audited as `network.create`.
    func create(_ input: NetworkCreateInput.Checked, on scope: HostScope, context: RequestContext) async throws -> (id: String, warning: String?) {
        let created = try await NetworkMessages.plain {
            try await scope.audited(
                "network.create", target: input.target, parameters: input.auditParameters, subject: input.request.name,
                context: context, audit: audit
            ) { client in
                try await EngineDrivers.check(input.request.driver ?? "bridge", kind: .network, client: client, field: "driver")
                return try await client.createNetwork(input.request)
            }
        }
        return (created.id, created.warning.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Removes a network, audited as `network.remove`; one with containers attached is refused.
    func remove(_ reference: String, on scope: HostScope, context: RequestContext) async throws -> Reference {
        let network = try await resolve(for: "network.remove", reference, on: scope, context: context)
        try await NetworkMessages.plain {
            try await scope.audited("network.remove", target: network.target, subject: network.name, context: context, audit: audit) { client in
                try await client.removeNetwork(network.id)
            }
        }
        return network
    }

    /// Connects container `container` to the network, with aliases and fixed addresses.
    func connect(
        _ reference: String, container: String, options: NetworkEndpointOptions, on scope: HostScope, context: RequestContext
    ) async throws -> Reference {
        var parameters = ["container": container]
        if !options.aliases.isEmpty { parameters["aliases"] = options.aliases.joined(separator: ",") }
        parameters["ipv4Address"] = options.ipv4Address
        parameters["ipv6Address"] = options.ipv6Address
        let network = try await resolve(for: "network.connect", reference, parameters: parameters, on: scope, context: context)
        try await NetworkMessages.plain {
            try await scope.audited(
                "network.connect", target: network.target, parameters: parameters, subject: container, context: context, audit: audit
            ) { client in try await client.connectNetwork(network.id, container: container, options: options) }
        }
        return network
    }

    /// Disconnects container `container` (`force`: even if the engine cannot clean up its endpoint).
    func disconnect(_ reference: String, container: String, force: Bool, on scope: HostScope, context: RequestContext) async throws -> Reference {
        let parameters = ["container": container, "force": String(force)]
        let network = try await resolve(for: "network.disconnect", reference, parameters: parameters, on: scope, context: context)
        try await NetworkMessages.plain {
            try await scope.audited(
                "network.disconnect", target: network.target, parameters: parameters, subject: container, context: context, audit: audit
            ) { client in try await client.disconnectNetwork(network.id, container: container, force: force) }
        }
        return network
    }

    /// Resolves the network an action names; when that fails, the attempt is still audited.
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

    /// The containers attached to each network, by network id, or by `name:<network name>` for
    /// containers not started yet (from the container list, which names the networks of every
    /// container in one call).
    static func attachments(_ containers: [ContainerSummary]) -> [String: [NetworkJSON.Attachment]] {
        var attached: [String: [NetworkJSON.Attachment]] = [:]
        for container in containers {
            let name = container.names.first.map(ContainerService.name) ?? String(container.id.prefix(12))
            for (networkName, network) in container.networkSettings?.networks ?? [:] {
                let id = network.networkID.flatMap { $0.isEmpty ? nil : $0 } ?? "name:" + networkName
                attached[id, default: []].append(NetworkJSON.Attachment(
                    id: container.id, shortId: String(container.id.prefix(12)), name: name,
                    ipv4Address: nonEmpty(network.ipAddress), ipv6Address: nil, macAddress: nil))
            }
        }
        return attached.mapValues { $0.sorted { $0.name < $1.name } }
    }

    static func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
}
