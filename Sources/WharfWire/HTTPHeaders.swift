/// Header fields in the order received or added, with case-insensitive lookup by name (field names
/// are case-insensitive, RFC 9110 §5.1). The server's requests and responses and the Docker
/// client's requests and responses all carry this one type, so a proxy copies fields across as
/// they are.
///
/// The small members are `@inlinable`: the server touches headers a dozen times per request from
/// another module, and generic string comparisons that are not specialised there cost several
/// times as much.
package struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    package typealias Element = (name: String, value: String)
    @usableFromInline var fields: [Element] = []

    @inlinable package init() {}

    @inlinable
    package init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    @inlinable package var count: Int { fields.count }
    @inlinable package var isEmpty: Bool { fields.isEmpty }
    @inlinable package func makeIterator() -> IndexingIterator<[Element]> { fields.makeIterator() }

    /// The first value of `name`, nil when absent.
    @inlinable
    package subscript(_ name: String) -> String? {
        for field in fields where field.name.equalsIgnoringASCIICase(name) { return field.value }
        return nil
    }

    /// Every value of `name`, in order.
    @inlinable
    package func values(_ name: String) -> [String] {
        fields.filter { $0.name.equalsIgnoringASCIICase(name) }.map(\.value)
    }

    @inlinable package func contains(_ name: String) -> Bool { self[name] != nil }

    /// Appends a field, keeping any existing ones with the same name.
    @inlinable
    package mutating func add(_ name: String, _ value: String) {
        append(name, value)
    }

    /// Replaces every field named `name` with one field.
    @inlinable
    package mutating func set(_ name: String, _ value: String) {
        remove(name)
        append(name, value)
    }

    /// Sets the field only when it is not present.
    @inlinable
    package mutating func setIfAbsent(_ name: String, _ value: String) {
        if !contains(name) { append(name, value) }
    }

    @inlinable
    mutating func append(_ name: String, _ value: String) {
        // A response collects about ten fields on its way out: room for them at once rather
        // than four regrowths.
        if fields.capacity == 0 { fields.reserveCapacity(12) }
        fields.append((name: name, value: value))
    }

    @inlinable
    package mutating func remove(_ name: String) {
        fields.removeAll { $0.name.equalsIgnoringASCIICase(name) }
    }

    /// Whether a comma-separated list header (e.g. `Connection`) contains `token`, case-insensitively.
    @inlinable
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
