import WharfDocker

/// Volumes as `/api/v1` shows them: documented, stable field names; the engine's own document
/// only under a detail's `raw`.
struct VolumeJSON: Encodable, Sendable {
    /// A container that mounts the volume.
    struct User: Encodable, Sendable {
        let id: String
        let shortId: String
        let name: String
        let state: String
        let destination: String

        static let schema = JSONSchema.named("VolumeUser", .object([
            "id": .string(), "shortId": .string(), "name": .string(), "state": .string(values: ContainerJSON.states),
            "destination": .string(description: "Where the container mounts it."),
        ], required: ["id", "shortId", "name", "state", "destination"]))
    }

    let name: String
    let driver: String
    let mountpoint: String
    /// RFC 3339, as the engine wrote it.
    let createdAt: String?
    let labels: [String: String]
    let scope: String
    let options: [String: String]
    /// Bytes the volume holds, from `system/df` (with `size=true`; nil when the engine does not
    /// measure it, as for volumes of other drivers).
    let size: Int64?
    /// How many containers mount it (running or not).
    let refCount: Int
    let containers: [User]
    let hostId: Int64
    let hostName: String

    init(_ volume: Volume, users: [User], size: Int64?, host: DockerHost) {
        name = volume.name
        driver = volume.driver
        mountpoint = volume.mountpoint
        createdAt = volume.createdAt
        labels = volume.labels ?? [:]
        scope = volume.scope ?? "local"
        options = volume.options ?? [:]
        self.size = size.flatMap { $0 < 0 ? nil : $0 }
        refCount = users.count
        containers = users
        hostId = host.id
        hostName = host.name
    }

    static let schema = JSONSchema.named("Volume", .object([
        "name": .string(), "driver": .string(), "mountpoint": .string(description: "The path on the host."),
        "createdAt": .nullable(.string(description: "RFC 3339, as the engine wrote it.")),
        "labels": .map(.string()), "scope": .string(values: ["local", "global"]), "options": .map(.string()),
        "size": .nullable(.integer(description: "Bytes used, from system/df (size=true); null when not measured.")),
        "refCount": .integer(description: "How many containers mount it."),
        "containers": .array(User.schema),
        "hostId": .integer(), "hostName": .string(),
    ], required: ["name", "driver", "mountpoint", "labels", "scope", "options", "refCount", "containers", "hostId", "hostName"]))
}

/// `GET …/volumes`: the volumes and the engine's warnings (a driver that could not list).
struct VolumeListJSON: Encodable, Sendable {
    let volumes: [VolumeJSON]
    let warnings: [String]

    static let schema = JSONSchema.named("VolumeList", .object([
        "volumes": .array(VolumeJSON.schema), "warnings": .array(.string()),
    ], required: ["volumes", "warnings"]))
}

/// `GET …/volumes/{name}`: the volume and the engine's document under `raw`.
struct VolumeDetailJSON: Encodable, Sendable {
    let volume: VolumeJSON
    let raw: JSONValue

    static let schema = JSONSchema.named("VolumeDetail", .object([
        "volume": VolumeJSON.schema, "raw": .any(description: "The engine's inspect document."),
    ], required: ["volume", "raw"]))
}
