import Glibc

/// What a client address is counted by, for throttling and for coalescing audit rows: an IPv4
/// address as it is; an IPv6 address by its /64, the prefix one customer or host gets (counting
/// each /128 would give an attacker 2^64 fresh addresses); an IPv4-mapped IPv6 address as IPv4.
/// Anything else (`local` for in-process calls) as it is.
package enum ClientKey {
    package static func of(_ address: String) -> String {
        var v6 = in6_addr()
        guard address.contains(":"), inet_pton(AF_INET6, address, &v6) == 1 else { return address }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return bytes[12..<16].map { String($0) }.joined(separator: ".")
        }
        var groups: [String] = []
        for index in stride(from: 0, to: 8, by: 2) {
            groups.append(String(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]), radix: 16))
        }
        return groups.joined(separator: ":") + "::/64"
    }
}
