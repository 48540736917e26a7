import FoundationEssentials
import WharfDocker
import WharfHTTP
import WharfWire

/// Reading a list's query the way every resource's list takes it: the engine's filters as
/// repeatable parameters (`label=a=b&label=c`) or as the engine's own `filters` JSON, and
/// true/false flags. One place, so images, volumes and networks read them alike.
enum EngineFilters {
    /// Adds the filters of `query` whose names are in `allowed` (repeatable parameters and the
    /// `filters` JSON). - Throws: 400 naming what is wrong.
    static func read(_ query: [(name: String, value: String)], allowed: [String], what: String) throws -> DockerFilters {
        var filters = DockerFilters()
        for (name, value) in query {
            if name == "filters" {
                try addJSON(value, to: &filters, allowed: allowed, what: what)
            } else if allowed.contains(name), !value.isEmpty {
                filters.add(name, value)
            }
        }
        return filters
    }

    /// `{"dangling":["true"],"label":["a=b"]}`, as the engine takes it.
    private static func addJSON(_ json: String, to filters: inout DockerFilters, allowed: [String], what: String) throws {
        guard !json.isEmpty else { return }
        guard let object = try? JSONDecoder().decode([String: Values].self, from: Data(json.utf8)) else {
            throw HTTPError(.badRequest, #"filters must be a JSON object of lists, like {"label":["app=web"]}."#)
        }
        for (name, values) in object.sorted(by: { $0.key < $1.key }) {
            guard allowed.contains(name) else {
                throw HTTPError(.badRequest, "\(name) is not \(what) filter; use one of \(allowed.joined(separator: ", ")).")
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

    /// A true/false parameter: `1`, `true`, `on`, `yes` or empty (a bare `?all`) is true.
    /// - Throws: 400 for anything else.
    static func flag(_ name: String, _ value: String) throws -> Bool {
        switch value.lowercased() {
        case "", "1", "true", "on", "yes": return true
        case "0", "false", "off", "no": return false
        default: throw HTTPError(.badRequest, "\(name) must be true or false.")
        }
    }
}
