/// IP addresses and subnets as typed in the network forms, checked before the engine sees them,
/// so a typo is named next to its field instead of coming back as an engine error.
enum NetworkAddress {
    /// An IPv4 address as its 32 bits, nil unless it is four decimal numbers 0–255.
    static func ipv4(_ text: some StringProtocol) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let byte = UInt8(part),
                  part.count == 1 || part.first != "0" else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    /// Whether `text` is an IPv6 address (`fd00::1`, `::`, with at most one `::`).
    static func isIPv6(_ text: some StringProtocol) -> Bool {
        guard text.contains(":"), text.utf8.count <= 45 else { return false }
        let doubles = String(text).ranges(of: "::").count
        guard doubles <= 1 else { return false }
        let groups = text.split(separator: ":", omittingEmptySubsequences: true)
        var count = 0
        for (index, group) in groups.enumerated() {
            if index == groups.count - 1, group.contains(".") {
                guard ipv4(group) != nil else { return false }
                count += 2
                continue
            }
            guard (1...4).contains(group.count), group.allSatisfy(\.isHexDigit) else { return false }
            count += 1
        }
        return doubles == 1 ? count < 8 : count == 8
    }

    static func isIP(_ text: some StringProtocol) -> Bool { ipv4(text) != nil || isIPv6(text) }

    /// A subnet in CIDR form: an IPv4 network and its prefix, or an IPv6 one (prefix only checked).
    enum Subnet: Equatable {
        case v4(network: UInt32, prefix: Int)
        case v6(prefix: Int)

        init?(_ text: some StringProtocol) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let prefix = Int(parts[1]) else { return nil }
            if let address = NetworkAddress.ipv4(parts[0]), (0...32).contains(prefix) {
                let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
                self = .v4(network: address & mask, prefix: prefix)
            } else if NetworkAddress.isIPv6(parts[0]), (0...128).contains(prefix) {
                self = .v6(prefix: prefix)
            } else {
                return nil
            }
        }

        /// Whether an IPv4 address (or another subnet) lies inside; IPv6 is left to the engine.
        func contains(_ other: some StringProtocol) -> Bool {
            guard case .v4(let network, let prefix) = self else { return true }
            let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
            if let address = NetworkAddress.ipv4(other) { return address & mask == network }
            if case .v4(let inner, let innerPrefix)? = Subnet(other) { return innerPrefix >= prefix && inner & mask == network }
            return false
        }
    }
}
