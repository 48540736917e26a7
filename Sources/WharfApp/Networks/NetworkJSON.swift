import WharfDocker

/// Networks as `/api/v1` shows them: documented, stable field names; the engine's own document
/// only under a detail's `raw`.
struct NetworkJSON: Encodable, Sendable {
    struct Subnet: Encodable, Sendable {
        let subnet: String?
        let gateway: String?
        let ipRange: String?
    }

    /// A container attached to the network.
    struct Attachment: Encodable, Sendable {
        let id: String
        let shortId: String
        let name: String
        let ipv4Address: String?
        let ipv6Address: String?
        let macAddress: String?

        static let schema = JSONSchema.named("NetworkAttachment", .object([
            "id": .string(), "shortId": .string(), "name": .string(),
            "ipv4Address": .nullable(.string(description: "With its prefix length: 10.1.0.2/24.")),
            "ipv6Address": .nullable(.string()), "macAddress": .nullable(.string()),
        ], required: ["id", "shortId", "name"]))
    }

    /// The networks every engine has and that cannot be removed.
    static let predefined: Set<String> = ["bridge", "host", "none"]

    let id: String
    let shortId: String
    let name: String
    let driver: String
    let scope: String
    let `internal`: Bool
    let attachable: Bool
    let ingress: Bool
    let enableIPv6: Bool
    /// RFC 3339, as the engine wrote it.
    let createdAt: String?
    let ipamDriver: String
    let subnets: [Subnet]
    let labels: [String: String]
    let options: [String: String]
    let predefined: Bool
    let containers: [Attachment]
    let hostId: Int64
    let hostName: String

    init(_ network: Network, containers: [Attachment], host: DockerHost) {
        id = network.id
        shortId = String(network.id.prefix(12))
        name = network.name
        driver = network.driver ?? ""
        scope = network.scope ?? "local"
        `internal` = network.internal ?? false
        attachable = network.attachable ?? false
        ingress = network.ingress ?? false
        enableIPv6 = network.enableIPv6 ?? false
        createdAt = network.created
        ipamDriver = network.ipam?.driver ?? "default"
        subnets = (network.ipam?.config ?? []).map { Subnet(subnet: $0.subnet, gateway: $0.gateway, ipRange: $0.ipRange) }
        labels = network.labels ?? [:]
        options = network.options ?? [:]
        predefined = Self.predefined.contains(network.name)
        self.containers = containers
        hostId = host.id
        hostName = host.name
    }

    static let schema = JSONSchema.named("Network", .object([
        "id": .string(description: "The full id (64 hex digits)."), "shortId": .string(), "name": .string(),
        "driver": .string(description: "bridge, host, null, overlay, macvlan, ipvlan or a plugin."),
        "scope": .string(values: ["local", "global", "swarm"]),
        "internal": .boolean(description: "No route to outside the network."), "attachable": .boolean(), "ingress": .boolean(),
        "enableIPv6": .boolean(), "createdAt": .nullable(.string(description: "RFC 3339, as the engine wrote it.")),
        "ipamDriver": .string(),
        "subnets": .array(.named("NetworkSubnet", .object([
            "subnet": .nullable(.string()), "gateway": .nullable(.string()), "ipRange": .nullable(.string()),
        ]))),
        "labels": .map(.string()), "options": .map(.string()),
        "predefined": .boolean(description: "bridge, host or none: every engine has them and they cannot be removed."),
        "containers": .array(Attachment.schema),
        "hostId": .integer(), "hostName": .string(),
    ], required: [
        "id", "shortId", "name", "driver", "scope", "internal", "attachable", "ingress", "enableIPv6", "ipamDriver", "subnets",
        "labels", "options", "predefined", "containers", "hostId", "hostName",
    ]))
}

/// `GET …/networks`.
struct NetworkListJSON: Encodable, Sendable {
    let networks: [NetworkJSON]

    static let schema = JSONSchema.named("NetworkList", .object(["networks": .array(NetworkJSON.schema)], required: ["networks"]))
}

/// `GET …/networks/{id}`: the network and the engine's document under `raw`.
struct NetworkDetailJSON: Encodable, Sendable {
    let network: NetworkJSON
    let raw: JSONValue

    static let schema = JSONSchema.named("NetworkDetail", .object([
        "network": NetworkJSON.schema, "raw": .any(description: "The engine's inspect document."),
    ], required: ["network", "raw"]))
}
