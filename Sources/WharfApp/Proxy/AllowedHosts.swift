import Glibc
package import WharfIO

/// The host names requests may name in `Host` (DNS-rebinding protection): the public URL's host,
/// each listen address, and for loopback listeners `localhost` and the loopback literals.
/// A listener on every address (`0.0.0.0`, `::`) accepts any IP literal and `localhost`, since
/// the machine's own addresses are all listen addresses. A name other than these (the machine's
/// DNS name, a proxy's public name) must be declared with `--public-url`.
///
/// Ports are not compared: a port mapping (a container's `-p 8443:8080`) or a proxy changes the
/// port the browser names, and rebinding is about names, not ports. IP literals cannot be rebound.
package struct AllowedHosts: Sendable {
    /// Exact names (lower-cased, IPv6 without brackets).
    private let names: Set<String>
    /// Whether any IP literal is accepted (a wildcard listener).
    private let anyAddress: Bool

    package init(listen: [SocketAddress], publicURL: PublicURL?) {
        var names: Set<String> = []
        var anyAddress = false
        for address in listen where address.family != .unix {
            let host = address.host
            let bytes = AddressRange.bytes(of: host) ?? []
            if bytes.allSatisfy({ $0 == 0 }) {
                anyAddress = true
                names.insert("localhost")
            } else if AllowedHosts.isLoopback(bytes) {
                names.formUnion(["localhost", "127.0.0.1", "::1", host])
            } else {
                names.insert(host)
            }
        }
        if let publicURL { names.insert(publicURL.host) }
        self.names = names
        self.anyAddress = anyAddress
    }

    /// The host of a `Host` header value, lower-cased, without port, brackets or a trailing dot;
    /// nil when the value is malformed.
    static func hostName(_ header: String) -> String? {
        var text = Substring(header.lowercased())
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            text = text[text.index(after: text.startIndex)..<close]
        } else if let colon = text.lastIndex(of: ":") {
            text = text[..<colon]
        }
        if text.hasSuffix(".") { text = text.dropLast() }
        return text.isEmpty ? nil : String(text)
    }

    /// Whether a request naming `host` (its `Host` header) may be served.
    package func allows(_ header: String) -> Bool {
        guard let name = AllowedHosts.hostName(header) else { return false }
        if names.contains(name) { return true }
        guard let bytes = AddressRange.bytes(of: name) else { return false }
        if anyAddress { return true }
        // An IPv4-mapped or other spelling of an allowed literal.
        return names.contains { AddressRange.bytes(of: $0) == bytes }
    }

    private static func isLoopback(_ bytes: [UInt8]) -> Bool {
        (bytes.count == 4 && bytes[0] == 127) || (bytes.count == 16 && bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1)
    }
}
