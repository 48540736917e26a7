/// How users reach Wharf (`--public-url https://panel.example`, `WHARF_PUBLIC_URL`): the origin
/// that links, the setup address and command snippets use, a host requests may name, and, when
/// it is `https`, what makes cookies `Secure` (with the `__Host-` prefix) and sends HSTS.
///
/// Only an origin is accepted (scheme, host, optional port, optional `/`): Wharf serves from the
/// root of its host, so a path would make every link wrong.
package struct PublicURL: Sendable, Equatable, CustomStringConvertible {
    package let isHTTPS: Bool
    /// The host, lower-cased; an IPv6 literal without brackets.
    package let host: String
    package let port: UInt16?

    /// Parses `https://panel.example`, `http://10.0.0.5:8080/`, `https://[2001:db8::1]`.
    /// - Throws: ``ConfigurationError`` saying what is wrong with the value.
    package init(parsing text: String) throws(ConfigurationError) {
        func invalid(_ reason: String) -> ConfigurationError { .invalid("--public-url", text, reason) }
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            isHTTPS = true
            rest = lower.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            isHTTPS = false
            rest = lower.dropFirst(7)
        } else {
            throw invalid("expected an address starting with https:// (or http://), e.g. https://panel.example")
        }
        var authority = rest
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...] == "/" else {
                throw invalid("Wharf is served from the root of its host; give only scheme, host and port")
            }
            authority = rest[..<slash]
        }
        guard !authority.contains(where: { $0 == "@" || $0 == "?" || $0 == "#" || $0 == " " }) else {
            throw invalid("give only scheme, host and port")
        }
        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("an IPv6 address needs its closing ]") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after the IPv6 address") }
                portPart = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { throw invalid("it names no host") }
        if let portPart {
            guard let port = UInt16(portPart), port > 0 else { throw invalid("the port must be a number from 1 to 65535") }
            self.port = port == (isHTTPS ? 443 : 80) ? nil : port
        } else {
            port = nil
        }
        host = String(hostPart)
    }

    /// `https://panel.example` or `http://[::1]:8080`: what links and snippets start with.
    package var origin: String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return (isHTTPS ? "https://" : "http://") + shown + (port.map { ":\($0)" } ?? "")
    }

    package var description: String { origin }
}
