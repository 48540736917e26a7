/// A JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it), for the API's documented shapes.
///
/// Every API DTO states its schema next to its fields (`static let schema`), so the OpenAPI
/// document is assembled from the same source files as the responses; schemathesis checks the
/// two against each other in the test command.
package indirect enum JSONSchema: Sendable {
    /// `minLength`: the shortest accepted value (1 for a required name), so generated requests
    /// (schemathesis) and the server agree on what is valid.
    case string(description: String? = nil, format: String? = nil, values: [String]? = nil, minLength: Int? = nil)
    case integer(description: String? = nil, minimum: Int? = nil)
    case number(description: String? = nil)
    case boolean(description: String? = nil)
    case array(JSONSchema, description: String? = nil)
    /// An object with these properties; `required` lists those always present. Other properties
    /// are allowed, so adding a field is not a breaking change.
    case object([String: JSONSchema], required: [String] = [], description: String? = nil)
    /// An object whose values all have one schema (labels, env).
    case map(JSONSchema, description: String? = nil)
    /// The value or `null`.
    case nullable(JSONSchema)
    /// A schema of its own under `components/schemas/<name>`, referenced where it is used.
    case named(String, JSONSchema)
    /// Any JSON: the engine's own documents (`raw` inspect output).
    case any(description: String? = nil)

    /// The schema as JSON, with named schemas as `$ref`s collected into `components`.
    func node(components: inout [String: JSONNode]) -> JSONNode {
        func described(_ fields: [String: JSONNode], _ description: String?) -> JSONNode {
            var fields = fields
            if let description { fields["description"] = .string(description) }
            return .object(fields)
        }
        switch self {
        case .string(let description, let format, let values, let minLength):
            var fields: [String: JSONNode] = ["type": "string"]
            if let format { fields["format"] = .string(format) }
            if let minLength { fields["minLength"] = .int(Int64(minLength)) }
            if let values { fields["enum"] = .array(values.map(JSONNode.string)) }
            return described(fields, description)
        case .integer(let description, let minimum):
            var fields: [String: JSONNode] = ["type": "integer"]
            if let minimum { fields["minimum"] = .int(Int64(minimum)) }
            return described(fields, description)
        case .number(let description):
            return described(["type": "number"], description)
        case .boolean(let description):
            return described(["type": "boolean"], description)
        case .array(let items, let description):
            return described(["type": "array", "items": items.node(components: &components)], description)
        case .object(let properties, let required, let description):
            var fields: [String: JSONNode] = [
                "type": "object",
                "properties": .object(properties.mapValues { $0.node(components: &components) }),
            ]
            if !required.isEmpty { fields["required"] = .array(required.sorted().map(JSONNode.string)) }
            return described(fields, description)
        case .map(let values, let description):
            return described(["type": "object", "additionalProperties": values.node(components: &components)], description)
        case .nullable(let schema):
            return .object(["anyOf": .array([schema.node(components: &components), .object(["type": "null"])])])
        case .named(let name, let schema):
            if components[name] == nil {
                components[name] = .object([:])  // placeholder: a schema that refers to itself stops here
                components[name] = schema.node(components: &components)
            }
            return .object(["$ref": .string("#/components/schemas/\(name)")])
        case .any(let description):
            return described([:], description)
        }
    }
}

/// A JSON value for documents Wharf writes itself (the OpenAPI document), encoded with sorted keys.
package enum JSONNode: Sendable, Encodable, ExpressibleByStringLiteral, Equatable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
    case array([JSONNode])
    case object([String: JSONNode])

    package init(stringLiteral value: String) { self = .string(value) }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .array(let values): try container.encode(values)
        case .object(let fields): try container.encode(fields)
        }
    }

    /// The value at `key` of an object.
    package subscript(_ key: String) -> JSONNode? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }
}
