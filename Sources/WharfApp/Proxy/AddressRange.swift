import Glibc

/// An IPv4 or IPv6 address range in CIDR notation (`10.0.0.0/8`, `::1/128`, or one address), as
/// `--trusted-proxy` takes them.
package struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    /// 4 or 16 bytes, masked to the prefix.
    let network: [UInt8]
    let prefixLength: Int

    /// - Throws: ``ConfigurationError`` naming the value.
    package init(parsing text: String) throws(ConfigurationError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = AddressRange.bytes(of: String(parts[0])) else {
            throw .invalid("--trusted-proxy", text, "expected an IP address or CIDR range such as 10.0.0.0/8 or ::1")
        }
        var length = bytes.count * 8
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...bytes.count * 8).contains(value) else {
                throw .invalid("--trusted-proxy", text, "the prefix length must be 0 to \(bytes.count * 8)")
            }
            length = value
        }
        prefixLength = length
        network = AddressRange.mask(bytes, length)
    }

    /// Parses `10.0.0.0/8,192.168.1.5` (commas, spaces ignored).
    package static func parseList(_ text: String) throws(ConfigurationError) -> [AddressRange] {
        var ranges: [AddressRange] = []
        for part in text.split(separator: ",") {
            let trimmed = String(part.filter { !$0.isWhitespace })
            if !trimmed.isEmpty { ranges.append(try AddressRange(parsing: trimmed)) }
        }
        return ranges
    }

    /// Whether `address` (a numeric IPv4 or IPv6 address; an IPv4-mapped IPv6 address counts as
    /// its IPv4 form) is inside the range.
    package func contains(_ address: String) -> Bool {
        guard let bytes = AddressRange.bytes(of: address) else { return false }
        return bytes.count == network.count && AddressRange.mask(bytes, prefixLength) == network
    }

    package var description: String {
        let text = network.count == 4 ? network.map(String.init).joined(separator: ".") : AddressRange.ipv6Text(network)
        return "\(text)/\(prefixLength)"
    }

    /// The address's bytes: 4 for IPv4 (also for `::ffff:a.b.c.d`), 16 for IPv6; nil if not numeric.
    static func bytes(of text: String) -> [UInt8]? {
        var host = text
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff { return Array(bytes[12...]) }
        return bytes
    }

    private static func mask(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bits = max(0, min(8, length - index * 8))
            return bits == 8 ? byte : byte & UInt8(truncatingIfNeeded: 0xff << (8 - bits))
        }
    }

    private static func ipv6Text(_ bytes: [UInt8]) -> String {
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
