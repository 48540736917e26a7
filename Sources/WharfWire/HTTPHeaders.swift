/// Header fields in the order received or added, with case-insensitive lookup by name (field names
/// are case-insensitive, RFC 9110 §5.1). The server's requests and responses and the Docker
/// client's requests and responses all carry this one type, so a proxy copies fields across as
/// they are.
package struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    package typealias Element = (name: String, value: String)
    private var fields: [Element] = []

    package init() {}

    package init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    package var count: Int { fields.count }
    package var isEmpty: Bool { fields.isEmpty }
    package func makeIterator() -> IndexingIterator<[Element]> { fields.makeIterator() }

    /// The first value of `name`, nil when absent.
    package subscript(_ name: String) -> String? {
        for field in fields where field.name.equalsIgnoringASCIICase(name) { return field.value }
        return nil
    }

    /// Every value of `name`, in order.
    package func values(_ name: String) -> [String] {
        fields.filter { $0.name.equalsIgnoringASCIICase(name) }.map(\.value)
    }

    package func contains(_ name: String) -> Bool { self[name] != nil }

    /// Appends a field, keeping any existing ones with the same name.
    package mutating func add(_ name: String, _ value: String) {
        append(name, value)
    }

    /// Replaces every field named `name` with one field.
    package mutating func set(_ name: String, _ value: String) {
        remove(name)
        append(name, value)
    }

    /// Sets the field only when it is not present.
    package mutating func setIfAbsent(_ name: String, _ value: String) {
        if !contains(name) { append(name, value) }
    }

    private mutating func append(_ name: String, _ value: String) {
        // A response collects about ten fields on its way out: room for them at once rather
        // than four regrowths.
        if fields.capacity == 0 { fields.reserveCapacity(12) }
        fields.append((name: name, value: value))
    }

    package mutating func remove(_ name: String) {
        fields.removeAll { $0.name.equalsIgnoringASCIICase(name) }
    }

    /// Whether a comma-separated list header (e.g. `Connection`) contains `token`, case-insensitively.
    package func hasToken(_ token: String, in name: String) -> Bool {
        for field in fields where field.name.equalsIgnoringASCIICase(name) {
            for part in field.value.split(separator: ",") {
                if part.trimmingASCIISpaces().equalsIgnoringASCIICase(token) { return true }
            }
        }
        return false
    }

    /// The lowercased, trimmed, non-empty elements of every value of a list header
    /// (`Transfer-Encoding: gzip, chunked` → `["gzip", "chunked"]`), in order.
    package func tokens(_ name: String) -> [String] {
        var tokens: [String] = []
        for field in fields where field.name.equalsIgnoringASCIICase(name) {
            for part in field.value.split(separator: ",") {
                let token = part.trimmingASCIISpaces()
                if !token.isEmpty { tokens.append(token.lowercased()) }
            }
        }
        return tokens
    }
}
