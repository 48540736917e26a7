import FoundationEssentials

/// JSON response bodies: keys sorted, so output is stable for clients diffing it and for tests.
package enum JSONBody {
    package static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(value))
    }
}
