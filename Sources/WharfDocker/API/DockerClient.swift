import Synchronization
package import WharfIO

/// A client for one Docker engine: a transport, a keep-alive connection pool and the API version
/// negotiated with the engine. `Sendable` without being an actor; share one per host.
///
/// ```swift
/// let client = try DockerClient(endpoint: .init(parsing: "unix:///var/run/docker.sock"), group: group)
/// let containers = try await client.listContainers(all: true)
/// ```
///
/// Typed calls live in `DockerClient+<Area>.swift`; ``send(_:)`` and ``perform(_:)`` take any
/// ``DockerRequest``.
package final class DockerClient: Sendable {
    package let transport: any DockerTransport
    package let pool: DockerConnectionPool
    package var timeouts: DockerTimeouts { pool.timeouts }
    private let negotiated = Mutex<DockerAPIVersion?>(nil)

    /// A client over `transport`, opening connections on the loops of `group`.
    package init(
        transport: any DockerTransport, group: EventLoopGroup, timeouts: DockerTimeouts = DockerTimeouts(),
        maxIdleConnections: Int = 4
    ) {
        self.transport = transport
        pool = DockerConnectionPool(transport: transport, group: group, timeouts: timeouts, maxIdle: maxIdleConnections)
    }

    /// A client for a Unix, plain-TCP or TLS endpoint.
    package convenience init(
        endpoint: DockerEndpoint, group: EventLoopGroup, timeouts: DockerTimeouts = DockerTimeouts(),
        maxIdleConnections: Int = 4
    ) {
        let transport: any DockerTransport = switch endpoint {
        case .unix(let path): SocketTransport.unix(path: path)
        case .tcp(let host, let port): SocketTransport.tcp(host: host, port: port)
        case .tls(let host, let port, let context): TLSTransport(host: host, port: port, context: context)
        }
        self.init(transport: transport, group: group, timeouts: timeouts, maxIdleConnections: maxIdleConnections)
    }

    /// The engine's address, for messages.
    package var address: String { transport.address }

    /// Closes the idle connections. Requests still running finish on their own connections.
    package func shutdown() { pool.closeIdle() }

    // MARK: Version negotiation

    /// The API version requests use: the lower of the engine's and ``DockerAPIVersion/newest``,
    /// learned from `GET /_ping` on first use and cached for the life of the client.
    /// - Throws: ``DockerError/engineTooOld(address:engineVersion:minimum:)`` below ``DockerAPIVersion/minimum``.
    package func apiVersion() async throws -> DockerAPIVersion {
        if let version = negotiated.withLock({ $0 }) { return version }
        let ping = try await self.ping()
        guard let engine = ping.apiVersion.flatMap(DockerAPIVersion.init) else {
            throw DockerError.engineTooOld(
                address: address, engineVersion: ping.apiVersion ?? "unknown (no API-Version header)",
                minimum: DockerAPIVersion.minimum.description)
        }
        guard let chosen = DockerAPIVersion.negotiate(engine: engine) else {
            throw DockerError.engineTooOld(
                address: address, engineVersion: engine.description, minimum: DockerAPIVersion.minimum.description)
        }
        negotiated.withLock { $0 = chosen }
        return chosen
    }

    // MARK: Requests

    /// Sends `request` and returns the response whatever its status (for pass-through).
    package func perform(_ request: DockerRequest) async throws -> DockerResponse {
        let version = request.isVersioned ? try await apiVersion() : nil
        let (head, connection, reusable) = try await exchange(request, version: version)
        let framing: BodyFraming
        do {
            framing = try head.framing(requestMethod: request.method)
        } catch {
            connection.close()
            throw DockerError.protocolViolation(address: address, reason: error.reason)
        }
        let reader = ResponseBodyReader(
            connection: connection, framing: framing, pool: pool, reusable: reusable && head.keepsAlive,
            idleTimeout: request.bodyIdleTimeout.resolve(timeouts.bodyIdle), address: address)
        return DockerResponse(head: head, body: DockerResponseBody(reader: reader))
    }

    /// Sends `request` and returns a 2xx response.
    /// - Throws: ``DockerError/api(status:message:)`` with the engine's message for any other status.
    package func send(_ request: DockerRequest) async throws -> DockerResponse {
        let response = try await perform(request)
        guard (200..<300).contains(response.status) else { throw try await apiError(response) }
        return response
    }

    /// Builds the error for a non-2xx response from its `{"message": …}` body (or its text).
    func apiError(_ response: DockerResponse) async throws -> DockerError {
        let bytes = (try? await response.body.collect(upTo: 64 * 1024)) ?? []
        response.body.close()
        return .api(status: response.status, message: DockerErrorMessage.extract(bytes, status: response.status))
    }
}
