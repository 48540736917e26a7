internal import FoundationEssentials

/// Query parameters in the order added, percent-encoded when rendered. Optional values that are nil
/// are left out, so typed calls can pass their options straight through.
package struct DockerQuery: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    package private(set) var items: [(name: String, value: String)] = []

    package init() {}

    package init(dictionaryLiteral elements: (String, String)...) {
        items = elements.map { (name: $0.0, value: $0.1) }
    }

    package mutating func add(_ name: String, _ value: String?) {
        if let value { items.append((name: name, value: value)) }
    }

    package mutating func add(_ name: String, _ value: Bool?) {
        if let value { items.append((name: name, value: value ? "true" : "false")) }
    }

    package mutating func add(_ name: String, _ value: Int?) {
        if let value { items.append((name: name, value: String(value))) }
    }

    /// Adds `filters` as the API's JSON map (`{"label":["a=b"]}`), nothing when empty.
    package mutating func add(_ name: String, _ filters: DockerFilters?) {
        if let filters, !filters.isEmpty { items.append((name: name, value: filters.json)) }
    }

    /// Adds a string map as JSON (`buildargs`, `labels` of a build), nothing when empty.
    package mutating func add(_ name: String, json map: [String: String]?) {
        guard let map, !map.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if let data = try? encoder.encode(map) {
            items.append((name: name, value: String(decoding: data, as: UTF8.self)))
        }
    }

    package var isEmpty: Bool { items.isEmpty }

    /// `name=value&…`, every name and value percent-encoded.
    package var encoded: String {
        items.map { PercentEncoding.encode($0.name) + "=" + PercentEncoding.encode($0.value) }.joined(separator: "&")
    }

    package static func == (lhs: DockerQuery, rhs: DockerQuery) -> Bool { lhs.encoded == rhs.encoded }
}
