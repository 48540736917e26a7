package import WharfTLS

/// Where a Docker engine listens: a Unix socket, plain TCP, or TCP with TLS.
///
/// Parsed from the URLs the docker CLI uses in `DOCKER_HOST`: `unix:///var/run/docker.sock`,
/// `tcp://host:2375`, and `tcp://host:2376` or `https://host:2376` with TLS.
package enum DockerEndpoint: Sendable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: UInt16)
    /// TCP with TLS; the certificate is verified against `host`.
    case tls(host: String, port: UInt16, context: TLSContext)

    /// Parses `unix:///path`, `tcp://host[:port]`, `http://host[:port]` or `https://host[:port]`.
    /// With a `tls` context, `tcp://` means TLS too (as `DOCKER_HOST` with `DOCKER_TLS_VERIFY`).
    /// A TCP port defaults to 2375, a TLS one to 2376.
    /// - Throws: ``DockerError/invalidEndpoint(_:reason:)``, also for `https://` without a context.
    package init(parsing text: String, tls: TLSContext?) throws(DockerError) {
        if text.hasPrefix("https://") || (text.hasPrefix("tcp://") && tls != nil) {
            guard let tls else { throw .invalidEndpoint(text, reason: "https needs a CA certificate (a TLS context)") }
            let scheme = text.hasPrefix("https://") ? "https://" : "tcp://"
            let (host, port) = try Self.hostAndPort(text.dropFirst(scheme.count), defaultPort: 2376, text: text)
            self = .tls(host: host, port: port, context: tls)
            return
        }
        try self.init(parsing: text)
    }

    /// Parses `unix:///path`, `tcp://host[:port]` or `http://host[:port]`. A TCP port defaults to 2375.
    /// - Throws: ``DockerError/invalidEndpoint(_:reason:)``.
    package init(parsing text: String) throws(DockerError) {
        if text.hasPrefix("https://") { throw .invalidEndpoint(text, reason: "https needs a CA certificate (a TLS context)") }
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst("unix://".count))
            guard path.hasPrefix("/") else { throw .invalidEndpoint(text, reason: "a unix socket path must be absolute") }
            self = .unix(path: path)
            return
        }
        let rest: Substring
        if text.hasPrefix("tcp://") {
            rest = text.dropFirst("tcp://".count)
        } else if text.hasPrefix("http://") {
            rest = text.dropFirst("http://".count)
        } else {
            throw .invalidEndpoint(text, reason: "unknown scheme")
        }
        let (host, port) = try Self.hostAndPort(rest, defaultPort: 2375, text: text)
        self = .tcp(host: host, port: port)
    }

    /// Splits `host[:port][/]`, `[v6][:port]`.
    static func hostAndPort(_ authority: Substring, defaultPort: UInt16, text: String) throws(DockerError) -> (String, UInt16) {
        var rest = authority
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("@") else {
            throw .invalidEndpoint(text, reason: "expected host:port")
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalidEndpoint(text, reason: "unclosed [") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw .invalidEndpoint(text, reason: "expected :port after ]")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw .invalidEndpoint(text, reason: "missing host") }
        var port = defaultPort
        if let portText {
            guard let value = UInt16(portText), value > 0 else { throw .invalidEndpoint(text, reason: "invalid port") }
            port = value
        }
        return (String(host), port)
    }

    package var description: String {
        switch self {
        case .unix(let path): "unix://\(path)"
        case .tcp(let host, let port): "tcp://\(Self.authority(host, port))"
        case .tls(let host, let port, _): "https://\(Self.authority(host, port))"
        }
    }

    /// `host:port`, with brackets around an IPv6 literal.
    static func authority(_ host: String, _ port: UInt16) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
