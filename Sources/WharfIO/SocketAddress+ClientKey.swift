import Glibc

/// What one client is counted as for per-client limits (connections per address today).
package enum ClientAddressKey: Hashable, Sendable, CustomStringConvertible {
    /// An IPv4 address, whole.
    case ipv4(UInt32)
    /// The first 64 bits of an IPv6 address: one host or site is usually given a whole /64, so
    /// counting each /128 would let one machine take thousands of slots.
    case ipv6(UInt64)

    package var description: String {
        switch self {
        case .ipv4(let address): SocketAddress.dottedQuad(address)
        case .ipv6(let prefix):
            stride(from: 48, through: 0, by: -16).map { String(UInt16(truncatingIfNeeded: prefix >> UInt64($0)), radix: 16) }
                .joined(separator: ":") + "::/64"
        }
    }
}

extension SocketAddress {
    /// The key this client is counted under; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) counts
    /// as its IPv4 address. Nil for a Unix-domain socket.
    package var clientKey: ClientAddressKey? {
        withSockAddr { pointer, _ -> ClientAddressKey? in
            switch Int32(pointer.pointee.sa_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    .ipv4(UInt32(bigEndian: $0.pointee.sin_addr.s_addr))
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    withUnsafeBytes(of: sin6.pointee.sin6_addr) { raw -> ClientAddressKey in
                        let bytes = Array(raw.prefix(16))
                        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                        let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                        if high == 0, low >> 32 == 0xFFFF { return .ipv4(UInt32(truncatingIfNeeded: low)) }
                        return .ipv6(high)
                    }
                }
            default:
                return nil
            }
        }
    }

    /// Whether the address is a loopback one (`127.0.0.0/8`, `::1`, or IPv4 loopback mapped into IPv6).
    package var isLoopback: Bool {
        switch family {
        case .unix: return false
        case .ipv4, .ipv6:
            if case .ipv4(let address) = clientKey { return address >> 24 == 127 }
            return host == "::1"
        }
    }
}
