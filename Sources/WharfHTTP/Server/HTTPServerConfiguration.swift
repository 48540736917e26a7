import Glibc
package import WharfIO
package import WharfTLS
package import WharfWire

/// How an ``HTTPServer`` listens and behaves.
package struct HTTPServerConfiguration: Sendable {
    /// Addresses to listen on (IPv4 and/or IPv6; port 0 picks a free port).
    package var addresses: [SocketAddress]
    package var limits = HTTPLimits()
    /// The `Server` header value.
    package var serverName = "wharf"
    /// Where access log lines go; nil for none.
    package var accessLog: AccessLog?
    /// Where server errors (accept failures, handler errors) are reported.
    package var errorLog: @Sendable (String) -> Void = { message in
        var line = Array("wharf: \(message)\n".utf8)
        _ = line.withUnsafeMutableBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
    /// Whether connections arrive over TLS (sets ``RequestContext/isSecure``): true when ``tls``
    /// is set, or when something in front terminates TLS for every connection.
    package var isSecure = false
    /// Serve HTTPS: each accepted connection is handshaken with the context current at that
    /// moment (a reload affects only later connections). Nil serves plain HTTP.
    package var tls: ReloadableTLSServerContext? {
        didSet { if tls != nil { isSecure = true } }
    }
    /// The client address the access log names for a request from `peer` with these headers;
    /// nil (or no hook) means the peer's own. The application sets it to believe the forwarding
    /// headers of trusted reverse proxies, so the log and the audit rows name the same client.
    package var clientAddress: (@Sendable (SocketAddress, HTTPHeaders) -> String)?

    package init(addresses: [SocketAddress]) { self.addresses = addresses }
}
