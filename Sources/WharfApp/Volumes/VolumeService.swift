import WharfDocker
import WharfHTTP

/// Everything the volume pages and the volume API do, once: listing with the containers that use
/// each volume (and sizes from `system/df` when asked), inspect, create, remove; each action
/// audited as `volume.<action>` with the host.
struct VolumeService: Sendable {
    let hosts: HostServices
    let audit: AuditLog

    /// The volumes of one host, by name.
    func list(_ scope: HostScope, _ query: VolumeQuery) async throws -> (volumes: [VolumeJSON], warnings: [String]) {
        let (list, containers, sizes) = try await scope.engine { client in
            async let volumes = client.listVolumes(filters: query.filters.isEmpty ? nil : query.filters)
            async let containers = client.listContainers(all: true)
            let sizes = query.size ? try await Self.sizes(client) : [:]
            return (try await volumes, try await containers, sizes)
        }
        let users = Self.users(containers)
        let volumes = (list.volumes ?? []).map { volume in
            VolumeJSON(volume, users: users[volume.name] ?? [], size: sizes[volume.name], host: scope.host)
        }
        return (volumes.sorted { $0.name < $1.name }, list.warnings ?? [])
    }

    /// One volume, with the engine's document. - Throws: 404 naming it.
    func detail(_ name: String, size: Bool, on scope: HostScope) async throws -> (VolumeJSON, JSONValue) {
        let (volume, raw, containers, sizes) = try await scope.engine(subject: name) { client in
            let (volume, raw) = try await client.inspectVolumeDocument(name)
            async let containers = client.listContainers(all: true, filters: ["volume": volume.name])
            let sizes = size ? try await Self.sizes(client) : [:]
            return (volume, raw, try await containers, sizes)
        }
        let json = VolumeJSON(volume, users: Self.users(containers)[volume.name] ?? [], size: sizes[volume.name], host: scope.host)
        return (json, raw)
    }

    /// Creates a checked volume, audited as `volume.create`; driver options that bind a host path
    /// are refused (403, audited) unless the caller is an admin on the host.
    func create(_ input: VolumeCreateInput.Checked, on scope: HostScope, context: RequestContext) async throws -> VolumeJSON {
        if input.bindsHostPath {
            try await AdminOnly.require(
                "volume.create", target: input.name ?? "", reason: "driver options that bind a host path", message:
                    "Only admins may create volumes whose driver options mount a host path or device (o=bind, type=none, device=/…); use a plain volume instead.",
                scope: scope, context: context, audit: audit)
        }
        let created = try await scope.audited(
            "volume.create", target: input.target, parameters: input.auditParameters, subject: input.name, context: context, audit: audit
        ) { client in
            // The engine answers a create of an existing name with that volume, as if created;
            // a user asking for a new volume is told instead.
            if let name = input.name, (try? await client.inspectVolume(name)) != nil {
                throw DockerError.api(status: 409, message: "A volume named \(name) already exists on \(scope.host.name): choose another name.")
            }
            try await EngineDrivers.check(input.request.driver ?? "local", kind: .volume, client: client, field: "driver")
            return try await client.createVolume(input.request)
        }
        return VolumeJSON(created, users: [], size: nil, host: scope.host)
    }

    /// Removes volume `name` (`force`: even if its driver fails to), audited as `volume.remove`.
    /// A volume in use is refused by the engine (409, naming the containers).
    func remove(_ name: String, force: Bool, on scope: HostScope, context: RequestContext) async throws {
        try await scope.audited(
            "volume.remove", target: name, parameters: ["force": String(force)], subject: name, context: context, audit: audit
        ) { client in
            _ = try await client.inspectVolume(name)
            try await client.removeVolume(name, force: force)
        }
    }

    /// The containers mounting each volume, by volume name.
    static func users(_ containers: [ContainerSummary]) -> [String: [VolumeJSON.User]] {
        var users: [String: [VolumeJSON.User]] = [:]
        for container in containers {
            for mount in container.mounts ?? [] where mount.type == "volume" {
                guard let name = mount.name else { continue }
                let containerName = container.names.first.map(ContainerService.name) ?? String(container.id.prefix(12))
                users[name, default: []].append(VolumeJSON.User(
                    id: container.id, shortId: String(container.id.prefix(12)), name: containerName, state: container.state,
                    destination: mount.destination))
            }
        }
        return users.mapValues { $0.sorted { $0.name < $1.name } }
    }

    /// Each volume's size as `system/df` measures it (`-1` when the engine does not know).
    static func sizes(_ client: DockerClient) async throws -> [String: Int64] {
        let usage = try await DiskUsage.read(client)
        var sizes: [String: Int64] = [:]
        for volume in usage.volumes ?? [] { sizes[volume.name] = volume.usageData?.size ?? -1 }
        return sizes
    }
}
