import WharfDocker

/// `GET …/containers/{id}`: the summary fields the pages show, and the engine's whole inspect
/// document under `raw`.
struct ContainerDetailJSON: Encodable, Sendable {
    struct Network: Encodable, Sendable {
        let name: String
        let ipAddress: String?
    }

    let id: String
    let shortId: String
    let name: String
    let image: String
    let imageId: String
    let command: [String]
    let state: String
    let health: String?
    let exitCode: Int?
    let error: String?
    let createdAt: String
    let startedAt: String?
    let finishedAt: String?
    let restartPolicy: String?
    let restartCount: Int
    let labels: [String: String]
    /// Variable names only: values are secrets until asked for (`env=true`).
    let envNames: [String]
    let env: [String: String]?
    let networks: [Network]
    let hostId: Int64
    let hostName: String
    let raw: JSONValue

    init(_ inspect: ContainerInspect, raw: JSONValue, host: DockerHost, revealEnv: Bool) {
        id = inspect.id
        shortId = String(inspect.id.prefix(12))
        name = ContainerService.name(inspect.name)
        image = inspect.config.image ?? ""
        imageId = inspect.image
        command = (inspect.path.map { [$0] } ?? []) + (inspect.args ?? [])
        state = inspect.state.status
        health = inspect.state.health?.status
        exitCode = inspect.state.running ? nil : inspect.state.exitCode
        error = inspect.state.error.flatMap { $0.isEmpty ? nil : $0 }
        createdAt = inspect.created
        startedAt = Self.time(inspect.state.startedAt)
        finishedAt = Self.time(inspect.state.finishedAt)
        restartPolicy = inspect.hostConfig?.restartPolicy?.name
        restartCount = inspect.restartCount ?? 0
        labels = inspect.config.labels ?? [:]
        let pairs = (inspect.config.env ?? []).map { entry -> (String, String) in
            guard let equals = entry.firstIndex(of: "=") else { return (entry, "") }
            return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
        }
        envNames = pairs.map(\.0)
        env = revealEnv ? Dictionary(pairs, uniquingKeysWith: { _, last in last }) : nil
        var networks: [Network] = []
        if case .object(let attached)? = inspect.networkSettings?["Networks"] {
            for (name, value) in attached.sorted(by: { $0.key < $1.key }) {
                networks.append(Network(name: name, ipAddress: value["IPAddress"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }))
            }
        }
        self.networks = networks
        hostId = host.id
        hostName = host.name
        var raw = raw
        if !revealEnv, case .object(var document) = raw, case .object(var config)? = document["Config"], config["Env"] != nil {
            config["Env"] = .array(envNames.map { .string($0 + "=") })
            document["Config"] = .object(config)
            raw = .object(document)
        }
        self.raw = raw
    }

    /// The engine writes `0001-01-01T00:00:00Z` for "never".
    static func time(_ text: String?) -> String? {
        guard let text, !text.hasPrefix("0001-") else { return nil }
        return text
    }

    static let schema = JSONSchema.named("ContainerDetail", .object([
        "id": .string(), "shortId": .string(), "name": .string(), "image": .string(), "imageId": .string(),
        "command": .array(.string()), "state": .string(values: ContainerJSON.states),
        "health": .nullable(.string(values: ["starting", "healthy", "unhealthy"])),
        "exitCode": .nullable(.integer()), "error": .nullable(.string()),
        "createdAt": .string(description: "RFC 3339, as the engine wrote it."),
        "startedAt": .nullable(.string()), "finishedAt": .nullable(.string()),
        "restartPolicy": .nullable(.string()), "restartCount": .integer(),
        "labels": .map(.string()),
        "envNames": .array(.string(), description: "Names of the environment variables; their values only with env=true."),
        "env": .nullable(.map(.string())),
        "networks": .array(.object(["name": .string(), "ipAddress": .nullable(.string())], required: ["name"])),
        "hostId": .integer(), "hostName": .string(),
        "raw": .any(description: "The engine's inspect document (environment values blanked unless env=true)."),
    ], required: [
        "id", "shortId", "name", "image", "imageId", "command", "state", "createdAt", "restartCount", "labels", "envNames",
        "networks", "hostId", "hostName", "raw",
    ]))
}
