/// Header fields of a response (or extra ones of a request), in order, looked up case-insensitively
/// (field names are case-insensitive, RFC 9110 §5.1).
package struct DockerHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    package typealias Element = (name: String, value: String)
    private var fields: [Element] = []

    package init() {}

    package init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    package var count: Int { fields.count }
    package func makeIterator() -> IndexingIterator<[Element]> { fields.makeIterator() }

    /// The first value of `name`, nil when absent.
    package subscript(_ name: String) -> String? {
        let wanted = name.lowercased()
        for field in fields where field.name.lowercased() == wanted { return field.value }
        return nil
    }

    /// Every value of `name`, in order.
    package func values(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return fields.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// Appends a field, keeping existing ones with the same name.
    package mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field named `name` with one.
    package mutating func set(_ name: String, _ value: String) {
        let wanted = name.lowercased()
        fields.removeAll { $0.name.lowercased() == wanted }
        fields.append((name: name, value: value))
    }

    /// Whether a comma-separated list header (`Connection`, `Transfer-Encoding`) holds `token`.
    package func hasToken(_ token: String, in name: String) -> Bool {
        tokens(name).contains(token.lowercased())
    }

    /// The lowercased, trimmed elements of every value of a list header, in order.
    func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }.map {
            $0.trimmingCharacters(in: " \t").lowercased()
        }.filter { !$0.isEmpty }
    }
}

extension Substring {
    /// The text without leading and trailing characters in `set`.
    func trimmingCharacters(in set: String) -> Substring {
        guard let start = firstIndex(where: { !set.contains($0) }),
              let end = lastIndex(where: { !set.contains($0) }) else { return "" }
        return self[start...end]
    }
}
