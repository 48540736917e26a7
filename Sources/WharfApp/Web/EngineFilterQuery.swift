import FoundationEssentials
package import WharfDocker
import WharfHTTP

/// The engine's list filters read from a query, the same way for pages and the API: one
/// parameter per filter, repeatable (`label=a=b&label=c`), or the engine's own `filters` JSON
/// (`{"label":["a=b"]}`, or the older `{"label":{"a=b":true}}`). Used by the container, image, volume,
/// network and event lists; flags (`size=1`, `dangling=true`) are read with ``flag(_:_:bare:)``.
package enum EngineFilterQuery {
    /// The filters among `items` whose names are in `allowed`; other parameters are left to the
    /// caller. - Throws: 400 naming a filter the engine does not take, or JSON that is not a map of lists.
    package static func filters(_ items: [(name: String, value: String)], allowed: [String], what: String) throws -> DockerFilters {
        var filters = DockerFilters()
        for (name, value) in items {
            if name == "filters" {
                try add(json: value, to: &filters, allowed: allowed, what: what)
            } else if allowed.contains(name), !value.isEmpty {
                filters.add(name, value)
            }
        }
        return filters
    }

    /// `true`/`false` (and `1`/`0`, `on`/`off`, `yes`/`no`).
    /// - Parameter bare: what an empty value (a bare `?all`) means; nil refuses it (a check box
    ///   that is sent is `1`).
    /// - Throws: 400 naming `name`.
    package static func flag(_ name: String, _ value: String, bare: Bool? = nil) throws -> Bool {
        switch value.lowercased() {
        case "1", "true", "on", "yes": return true
        case "0", "false", "off", "no": return false
        case "" where bare != nil: return bare ?? false
        default: throw HTTPError(.badRequest, "\(name) must be true or false.")
        }
    }

    /// The parameters as the OpenAPI document describes them.
    package static func parameters(_ allowed: [String], what: String) -> [APIOperation.Parameter] {
        [.init("filters", .string(), "The engine's \(what) filters as JSON, e.g. {\"label\":[\"app=web\"]}.")]
            + allowed.map { .init($0, .string(), "The engine's \($0) filter (repeatable).") }
    }

    private static func add(json: String, to filters: inout DockerFilters, allowed: [String], what: String) throws {
        guard !json.isEmpty else { return }
        guard let object = try? JSONDecoder().decode([String: Values].self, from: Data(json.utf8)) else {
            throw HTTPError(.badRequest, #"filters must be a JSON object of lists, like {"label":["app=web"]}."#)
        }
        for (name, values) in object.sorted(by: { $0.key < $1.key }) {
            guard allowed.contains(name) else {
                throw HTTPError(.badRequest, "\(name) is not among the \(what) filters; use one of \(allowed.joined(separator: ", ")).")
            }
            for value in values.values { filters.add(name, value) }
        }
    }

    /// A filter's values: a list, or (as older clients send) a map of value → true.
    private struct Values: Decodable {
        let values: [String]
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let list = try? container.decode([String].self) {
                values = list
            } else {
                values = try container.decode([String: Bool].self).filter(\.value).map(\.key).sorted()
            }
        }
    }
}
