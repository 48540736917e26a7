import WharfDocker

/// Images as `/api/v1` shows them: documented camelCase fields, times in Unix seconds; the
/// engine's own document only under an image's `raw`.
struct ImageJSON: Encodable, Sendable {
    let id: String
    let shortId: String
    /// `repo:tag` names; empty for a dangling image.
    let tags: [String]
    let digests: [String]
    /// Unix seconds.
    let created: Int64
    let size: Int64
    /// Containers (in any state) made from this image.
    let containers: Int
    let dangling: Bool
    let labels: [String: String]
    let hostId: Int64
    let hostName: String

    init(_ summary: ImageSummary, containers: Int, host: DockerHost) {
        id = summary.id
        shortId = Self.shortID(summary.id)
        tags = (summary.repoTags ?? []).filter { $0 != "<none>:<none>" }
        digests = (summary.repoDigests ?? []).filter { $0 != "<none>@<none>" }
        created = summary.created
        size = summary.size
        self.containers = containers
        dangling = tags.isEmpty
        labels = summary.labels ?? [:]
        hostId = host.id
        hostName = host.name
    }

    /// The 12 hex digits the docker CLI shows, without `sha256:`.
    static func shortID(_ id: String) -> String { String(id.replacing("sha256:", with: "").prefix(12)) }

    static let schema = JSONSchema.named("Image", .object([
        "id": .string(description: "sha256:… (the full id)."),
        "shortId": .string(description: "12 hex digits, as the docker CLI shows them."),
        "tags": .array(.string(), description: "repo:tag names; empty for a dangling image."),
        "digests": .array(.string(), description: "repo@sha256:… of a pulled or pushed image."),
        "created": .integer(description: "Unix time, seconds."),
        "size": .integer(description: "Bytes, with the layers shared with other images."),
        "containers": .integer(description: "Containers, in any state, made from this image."),
        "dangling": .boolean(), "labels": .map(.string()), "hostId": .integer(), "hostName": .string(),
    ], required: ["id", "shortId", "tags", "digests", "created", "size", "containers", "dangling", "labels", "hostId", "hostName"]))
}

struct ImageListJSON: Encodable, Sendable {
    let images: [ImageJSON]
    static let schema = JSONSchema.named("ImageList", .object(["images": .array(ImageJSON.schema)], required: ["images"]))
}

/// One image: its summary fields, what it runs, its layers' history, the containers made from
/// it, and the engine's document under `raw` (environment values blanked: images carry secrets
/// more often than they should).
struct ImageDetailJSON: Encodable, Sendable {
    struct Config: Encodable, Sendable {
        let cmd: [String]?
        let entrypoint: [String]?
        let workingDir: String?
        let user: String?
        let exposedPorts: [String]
        let envNames: [String]
        let labels: [String: String]
    }

    struct ContainerUse: Encodable, Sendable {
        let id: String
        let name: String
        let state: String
    }

    let id: String
    let shortId: String
    let tags: [String]
    let digests: [String]
    let parent: String?
    let comment: String?
    let author: String?
    /// RFC 3339, as the engine says it.
    let createdAt: String?
    let architecture: String?
    let os: String?
    let size: Int64?
    let layers: Int
    let config: Config
    let containers: [ContainerUse]
    let hostId: Int64
    let hostName: String
    let raw: JSONValue

    init(_ inspect: ImageInspect, raw: JSONValue, containers: [ContainerUse], host: DockerHost) {
        id = inspect.id
        shortId = ImageJSON.shortID(inspect.id)
        tags = (inspect.repoTags ?? []).filter { $0 != "<none>:<none>" }
        digests = inspect.repoDigests ?? []
        parent = inspect.parent.flatMap { $0.isEmpty ? nil : $0 }
        comment = inspect.comment.flatMap { $0.isEmpty ? nil : $0 }
        author = inspect.author.flatMap { $0.isEmpty ? nil : $0 }
        createdAt = inspect.created
        architecture = inspect.architecture
        os = inspect.os
        size = inspect.size
        layers = inspect.rootFS?.layers?.count ?? 0
        let envNames = (inspect.config?.env ?? []).map { String($0.prefix { $0 != "=" }) }
        config = Config(
            cmd: inspect.config?.cmd, entrypoint: inspect.config?.entrypoint,
            workingDir: inspect.config?.workingDir.flatMap { $0.isEmpty ? nil : $0 }, user: inspect.config?.user.flatMap { $0.isEmpty ? nil : $0 },
            exposedPorts: (inspect.config?.exposedPorts ?? [:]).keys.sorted(), envNames: envNames, labels: inspect.config?.labels ?? [:])
        self.containers = containers
        hostId = host.id
        hostName = host.name
        var document = raw
        if case .object(var fields) = document {
            for key in ["Config", "ContainerConfig"] {
                if case .object(var config)? = fields[key], case .array(let env)? = config["Env"] {
                    config["Env"] = .array(env.map { .string(($0.stringValue ?? "").prefix { $0 != "=" } + "=") })
                    fields[key] = .object(config)
                }
            }
            document = .object(fields)
        }
        self.raw = document
    }

    static let schema = JSONSchema.named("ImageDetail", .object([
        "id": .string(), "shortId": .string(), "tags": .array(.string()), "digests": .array(.string()),
        "parent": .nullable(.string()), "comment": .nullable(.string()), "author": .nullable(.string()),
        "createdAt": .nullable(.string(description: "RFC 3339, as the engine says it.")),
        "architecture": .nullable(.string()), "os": .nullable(.string()), "size": .nullable(.integer()),
        "layers": .integer(),
        "config": .named("ImageConfig", .object([
            "cmd": .nullable(.array(.string())), "entrypoint": .nullable(.array(.string())),
            "workingDir": .nullable(.string()), "user": .nullable(.string()),
            "exposedPorts": .array(.string()), "envNames": .array(.string(), description: "Names only; values are not shown."),
            "labels": .map(.string()),
        ], required: ["exposedPorts", "envNames", "labels"])),
        "containers": .array(.named("ImageContainer", .object([
            "id": .string(), "name": .string(), "state": .string(),
        ], required: ["id", "name", "state"]))),
        "hostId": .integer(), "hostName": .string(),
        "raw": .any(description: "The engine's inspect document (environment values blanked)."),
    ], required: ["id", "shortId", "tags", "digests", "layers", "config", "containers", "hostId", "hostName", "raw"]))
}

/// One layer of an image's history, newest first.
struct ImageHistoryJSON: Encodable, Sendable {
    let id: String
    let created: Int64
    let createdBy: String
    let tags: [String]
    let size: Int64
    let comment: String?

    init(_ item: ImageHistoryItem) {
        id = item.id
        created = item.created
        createdBy = item.createdBy
        tags = item.tags ?? []
        size = item.size
        comment = item.comment.flatMap { $0.isEmpty ? nil : $0 }
    }

    static let schema = JSONSchema.named("ImageHistory", .object([
        "history": .array(.named("ImageLayer", .object([
            "id": .string(description: "The layer's image id, or <missing> for layers pulled without one."),
            "created": .integer(description: "Unix time, seconds."), "createdBy": .string(description: "The Dockerfile step."),
            "tags": .array(.string()), "size": .integer(), "comment": .nullable(.string()),
        ], required: ["id", "created", "createdBy", "tags", "size"]))),
    ], required: ["history"]))
}

/// What removing an image did: the names untagged and the layers deleted.
struct ImageRemovedJSON: Encodable, Sendable {
    let untagged: [String]
    let deleted: [String]

    init(_ items: [ImageDeleteItem]) {
        untagged = items.compactMap(\.untagged)
        deleted = items.compactMap(\.deleted)
    }

    static let schema = JSONSchema.named("ImageRemoved", .object([
        "untagged": .array(.string()), "deleted": .array(.string()),
    ], required: ["untagged", "deleted"]))
}

/// A registry search's results.
struct ImageSearchJSON: Encodable, Sendable {
    struct Result: Encodable, Sendable {
        let name: String
        let description: String
        let stars: Int
        let official: Bool
        let automated: Bool
    }

    let results: [Result]

    init(_ results: [ImageSearchResult]) {
        self.results = results.map {
            Result(name: $0.name, description: $0.description ?? "", stars: $0.starCount ?? 0, official: $0.isOfficial ?? false,
                   automated: $0.isAutomated ?? false)
        }
    }

    static let schema = JSONSchema.named("ImageSearch", .object([
        "results": .array(.named("ImageSearchResult", .object([
            "name": .string(), "description": .string(), "stars": .integer(), "official": .boolean(), "automated": .boolean(),
        ], required: ["name", "description", "stars", "official", "automated"]))),
    ], required: ["results"]))
}
