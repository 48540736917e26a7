import CShims
import Glibc
import Dispatch

/// An IPv4, IPv6 or Unix-domain socket address.
///
/// Held as raw `sockaddr_storage` so it can be handed to `bind`, `connect` and `accept4` without
/// conversion; the numeric forms are parsed with `inet_pton(3)`, never by hand.
package struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    package enum Family: Sendable { case ipv4, ipv6, unix }

    private var storage: sockaddr_storage
    private(set) var length: socklen_t

    package var family: Family {
        switch Int32(storage.ss_family) {
        case AF_INET: .ipv4
        case AF_INET6: .ipv6
        default: .unix
        }
    }

    /// The raw address, for the system calls that take one.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        try withUnsafePointer(to: storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }

    /// Builds an address from what `accept4`/`getsockname` filled in.
    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    /// A numeric IPv4 or IPv6 address (`127.0.0.1`, `::1`, optionally bracketed) and a port.
    /// - Throws: ``IOError/invalidAddress(_:)`` for anything that is not a numeric address.
    package init(ip: String, port: UInt16) throws(IOError) {
        var host = ip
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var storage = sockaddr_storage()
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    sin.pointee.sin_family = sa_family_t(AF_INET)
                    sin.pointee.sin_port = port.bigEndian
                    sin.pointee.sin_addr = v4
                }
            }
            self.init(storage: storage, length: socklen_t(MemoryLayout<sockaddr_in>.size))
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                    sin6.pointee.sin6_port = port.bigEndian
                    sin6.pointee.sin6_addr = v6
                }
            }
            self.init(storage: storage, length: socklen_t(MemoryLayout<sockaddr_in6>.size))
        } else {
            throw .invalidAddress(ip)
        }
    }

    /// A Unix-domain socket path.
    /// - Throws: ``IOError/pathTooLong(_:)`` when the path does not fit in `sun_path`; it is never truncated.
    package init(unixPath path: String) throws(IOError) {
        var storage = sockaddr_storage()
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        guard !bytes.isEmpty, bytes.count < capacity, !bytes.contains(0) else { throw .pathTooLong(path) }
        withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { sun in
                sun.pointee.sun_family = sa_family_t(AF_UNIX)
                withUnsafeMutableBytes(of: &sun.pointee.sun_path) { raw in
                    raw.copyBytes(from: bytes)
                    raw[bytes.count] = 0
                }
            }
        }
        let offset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? 2
        self.init(storage: storage, length: socklen_t(offset + bytes.count + 1))
    }

    /// Parses `host:port`, `[v6]:port` or `:port` (all interfaces, IPv4) with a numeric host.
    package init(parsing text: String) throws(IOError) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw .invalidAddress(text)
        }
        let host = String(text[..<colon])
        try self.init(ip: host.isEmpty ? "0.0.0.0" : host, port: port)
    }

    /// Resolves a host name with `getaddrinfo(3)` off the cooperative pool (it blocks), returning
    /// numeric addresses in the resolver's order. Numeric hosts are returned without a lookup.
    package static func resolve(host: String, port: UInt16) async throws -> [SocketAddress] {
        if let numeric = try? SocketAddress(ip: host, port: port) { return [numeric] }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try lookup(host: host, port: port) })
            }
        }
    }

    private static func lookup(host: String, port: UInt16) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        guard status == 0 else { throw IOError.invalidAddress("\(host) (\(String(cString: gai_strerror(status))))") }
        var result: [SocketAddress] = []
        var cursor = list
        while let entry = cursor {
            if let addr = entry.pointee.ai_addr {
                var storage = sockaddr_storage()
                let length = min(Int(entry.pointee.ai_addrlen), MemoryLayout<sockaddr_storage>.size)
                withUnsafeMutableBytes(of: &storage) { raw in
                    raw.copyMemory(from: UnsafeRawBufferPointer(start: addr, count: length))
                }
                result.append(SocketAddress(storage: storage, length: socklen_t(length)))
            }
            cursor = entry.pointee.ai_next
        }
        guard !result.isEmpty else { throw IOError.invalidAddress(host) }
        return result
    }

    /// The port of an IP address, nil for Unix sockets.
    package var port: UInt16? {
        withSockAddr { pointer, _ in
            switch Int32(pointer.pointee.sa_family) {
            case AF_INET:
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            case AF_INET6:
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            default: nil
            }
        }
    }

    /// The numeric host (`127.0.0.1`, `::1`) or the Unix path.
    package var host: String {
        withSockAddr { pointer, length in
            switch Int32(pointer.pointee.sa_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    Self.dottedQuad(UInt32(bigEndian: sin.pointee.sin_addr.s_addr))
                }
            case AF_INET6:
                var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var addr = sin6.pointee.sin6_addr
                    inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count))
                    return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                }
            case AF_UNIX:
                return pointer.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { sun in
                    withUnsafeBytes(of: sun.pointee.sun_path) { raw in
                        let used = max(0, min(raw.count, Int(length) - 2))
                        return String(decoding: raw.prefix(used).prefix { $0 != 0 }, as: UTF8.self)
                    }
                }
            default:
                return "?"
            }
        }
    }

    /// `a.b.c.d`, written straight into the string's storage: the access log formats every
    /// request's client address, and inet_ntop's buffer and copies cost more than this.
    static func dottedQuad(_ address: UInt32) -> String {
        String(unsafeUninitializedCapacity: 15) { buffer in
            var count = 0
            for shift in stride(from: 24, through: 0, by: -8) {
                let octet = UInt8(truncatingIfNeeded: address >> UInt32(shift))
                if shift != 24 { buffer[count] = UInt8(ascii: "."); count += 1 }
                if octet >= 100 { buffer[count] = UInt8(ascii: "0") + octet / 100; count += 1 }
                if octet >= 10 { buffer[count] = UInt8(ascii: "0") + octet / 10 % 10; count += 1 }
                buffer[count] = UInt8(ascii: "0") + octet % 10
                count += 1
            }
            return count
        }
    }

    package var description: String {
        switch family {
        case .ipv4: "\(host):\(port ?? 0)"
        case .ipv6: "[\(host)]:\(port ?? 0)"
        case .unix: "unix:\(host)"
        }
    }

    package static func == (lhs: SocketAddress, rhs: SocketAddress) -> Bool {
        lhs.length == rhs.length && lhs.withSockAddr { l, n in
            rhs.withSockAddr { r, _ in memcmp(l, r, Int(n)) == 0 }
        }
    }

    package func hash(into hasher: inout Hasher) {
        withSockAddr { pointer, length in
            hasher.combine(bytes: UnsafeRawBufferPointer(start: pointer, count: Int(length)))
        }
    }
}
