package import WharfIO

/// Opens connections to one Docker engine: the only part of the client that knows whether the bytes
/// go over a Unix socket, plain TCP or TLS. Everything above it speaks HTTP over a ``ByteStream``.
package protocol DockerTransport: Sendable {
    /// The address for error messages (`unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`).
    var address: String { get }
    /// The `Host` header value for requests over this transport.
    var hostHeader: String { get }
    /// Opens a new connection on `loop`.
    /// - Throws: ``DockerError`` `.unreachable`, `.timedOut` (`.connect` or `.tlsHandshake`) or `.tls`.
    func connect(on loop: EventLoop, timeouts: DockerTimeouts) async throws -> any ByteStream
}
