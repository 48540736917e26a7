internal import FoundationEssentials

/// The `filters` parameter of list, prune and events calls: a map from filter name to values,
/// sent as the JSON object `{"name":["value",…]}` (`map[string][]string` in the engine).
///
/// ```swift
/// var filters = DockerFilters()
/// filters.add("label", "wharf.test=1")
/// filters.add("status", "exited")
/// ```
package struct DockerFilters: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    package private(set) var values: [String: [String]] = [:]

    package init() {}

    package init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { add(name, value) }
    }

    package mutating func add(_ name: String, _ value: String) {
        values[name, default: []].append(value)
    }

    package var isEmpty: Bool { values.isEmpty }

    /// The JSON text, keys sorted so the same filters always encode the same way.
    package var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(values) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
