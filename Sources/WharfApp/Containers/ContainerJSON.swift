import WharfDocker

/// Containers as `/api/v1` shows them: documented, stable field names (camelCase, times in Unix
/// seconds), not the engine's own JSON, which is only under an inspect's `raw`.
struct ContainerJSON: Encodable, Sendable {
    struct Port: Encodable, Sendable {
        let ip: String?
        let privatePort: Int
        let publicPort: Int?
        let type: String
    }

    struct Mount: Encodable, Sendable {
        let type: String?
        let name: String?
        let source: String?
        let destination: String
        let readOnly: Bool
    }

    let id: String
    let shortId: String
    let name: String
    let names: [String]
    let image: String
    let imageId: String?
    let command: String?
    /// Unix seconds.
    let created: Int64
    /// `created`, `running`, `paused`, `restarting`, `removing`, `exited` or `dead`.
    let state: String
    /// The engine's words: "Up 5 minutes", "Exited (0) 2 hours ago".
    let status: String
    let health: String?
    let ports: [Port]
    let labels: [String: String]
    let sizeRw: Int64?
    let sizeRootFs: Int64?
    let mounts: [Mount]
    let hostId: Int64
    let hostName: String

    init(_ summary: ContainerSummary, host: DockerHost) {
        id = summary.id
        shortId = String(summary.id.prefix(12))
        names = summary.names.map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }
        name = names.first ?? shortId
        image = summary.image
        imageId = summary.imageID
        command = summary.command
        created = summary.created
        state = summary.state
        status = summary.status
        health = ContainerJSON.health(fromStatus: summary.status)
        ports = (summary.ports ?? []).map { Port(ip: $0.ip, privatePort: $0.privatePort, publicPort: $0.publicPort, type: $0.type) }
        labels = summary.labels ?? [:]
        sizeRw = summary.sizeRw
        sizeRootFs = summary.sizeRootFs
        mounts = (summary.mounts ?? []).map {
            Mount(type: $0.type, name: $0.name, source: $0.source, destination: $0.destination, readOnly: $0.rw == false)
        }
        hostId = host.id
        hostName = host.name
    }

    /// The list answers only say health inside `Status`: "Up 3 minutes (healthy)".
    static func health(fromStatus status: String) -> String? {
        for word in ["healthy", "unhealthy", "health: starting"] where status.hasSuffix("(\(word))") {
            return word == "health: starting" ? "starting" : word
        }
        return nil
    }

    static let states = ["created", "running", "paused", "restarting", "removing", "exited", "dead"]

    static let schema = JSONSchema.named("Container", .object([
        "id": .string(description: "The full id (64 hex digits)."),
        "shortId": .string(description: "The first 12 digits of the id, as the docker CLI shows it."),
        "name": .string(description: "The first name, without the leading slash."),
        "names": .array(.string()),
        "image": .string(), "imageId": .nullable(.string()), "command": .nullable(.string()),
        "created": .integer(description: "Unix time, seconds."),
        "state": .string(values: states),
        "status": .string(description: "The engine's words: Up 5 minutes, Exited (0) 2 hours ago."),
        "health": .nullable(.string(values: ["starting", "healthy", "unhealthy"])),
        "ports": .array(.named("ContainerPort", .object([
            "ip": .nullable(.string()), "privatePort": .integer(), "publicPort": .nullable(.integer()),
            "type": .string(values: ["tcp", "udp", "sctp"]),
        ], required: ["privatePort", "type"]))),
        "labels": .map(.string()),
        "sizeRw": .nullable(.integer(description: "Bytes written in the container's layer (with size=true).")),
        "sizeRootFs": .nullable(.integer(description: "Bytes of all the container's layers (with size=true).")),
        "mounts": .array(.named("ContainerMount", .object([
            "type": .nullable(.string()), "name": .nullable(.string()), "source": .nullable(.string()),
            "destination": .string(), "readOnly": .boolean(),
        ], required: ["destination", "readOnly"]))),
        "hostId": .integer(), "hostName": .string(),
    ], required: [
        "id", "shortId", "name", "names", "image", "created", "state", "status", "ports", "labels", "mounts", "hostId", "hostName",
    ]))
}

/// `GET …/containers`: the containers, and for a list across hosts, the hosts that could not
/// answer in time (their containers are missing, not absent).
struct ContainerListJSON: Encodable, Sendable {
    struct Unavailable: Encodable, Sendable {
        let hostId: Int64
        let hostName: String
        let error: String

        static let schema = JSONSchema.named("HostNote", .object([
            "hostId": .integer(), "hostName": .string(), "error": .string(description: "What is missing or old, and why."),
        ], required: ["hostId", "hostName", "error"]))
    }

    let containers: [ContainerJSON]
    let unavailable: [Unavailable]
    /// Hosts whose containers are shown from their last answer, because they were slow now.
    var stale: [Unavailable] = []

    static let schema = JSONSchema.named("ContainerList", .object([
        "containers": .array(ContainerJSON.schema),
        "unavailable": .array(Unavailable.schema),
        "stale": .array(Unavailable.schema, description: "Hosts shown from their last answer: they were slow to answer now."),
    ], required: ["containers", "unavailable", "stale"]))
}
