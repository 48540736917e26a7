/// A registry as `/api/v1` shows it: never its password.
struct RegistryJSON: Encodable, Sendable {
    let id: Int64
    let address: String
    let username: String
    let createdMs: Int64
    let updatedMs: Int64

    init(_ registry: Registry) {
        id = registry.id
        address = registry.address
        username = registry.username
        createdMs = registry.createdMs
        updatedMs = registry.updatedMs
    }

    static let schema = JSONSchema.named("Registry", .object([
        "id": .integer(), "address": .string(description: "host[:port]; docker.io for Docker Hub."), "username": .string(),
        "createdMs": .integer(description: "Unix time, milliseconds."), "updatedMs": .integer(),
    ], required: ["id", "address", "username", "createdMs", "updatedMs"]))

    static let listSchema = JSONSchema.named("RegistryList", .object(["registries": .array(schema)], required: ["registries"]))
}

/// What a login check answers.
struct RegistryTestJSON: Encodable, Sendable {
    let status: String
    static let schema = JSONSchema.named("RegistryTest", .object([
        "status": .string(description: "The engine's answer, e.g. Login Succeeded."),
    ], required: ["status"]))
}
