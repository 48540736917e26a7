package import WharfIO
package import WharfTLS

/// TCP with TLS (mutual when the context holds a client certificate): a plain connect through
/// ``SocketTransport``, then the handshake with its own time limit. The certificate is checked
/// against `serverName` (the host of the endpoint URL, a name or an IP address).
package struct TLSTransport: DockerTransport {
    private let tcp: SocketTransport
    private let context: TLSContext
    private let serverName: String
    package let address: String
    package var hostHeader: String { tcp.hostHeader }

    package init(host: String, port: UInt16, context: TLSContext) {
        tcp = .tcp(host: host, port: port)
        self.context = context
        serverName = host
        address = "https://\(DockerEndpoint.authority(host, port))"
    }

    package func connect(on loop: EventLoop, timeouts: DockerTimeouts) async throws -> any ByteStream {
        let socket: Socket
        do {
            socket = try await tcp.connectSocket(on: loop, timeouts: timeouts)
        } catch let error as DockerError {
            throw error.relabelled(address: address)
        }
        let deadline = timeouts.tlsHandshake.map { Deadline.after(seconds: $0) }
        do {
            return try await TLSConnection.connect(over: socket, context: context, serverName: serverName, deadline: deadline)
        } catch TLSError.handshakeTimedOut {
            throw DockerError.timedOut(address: address, phase: .tlsHandshake)
        } catch let error as TLSError {
            throw DockerError.tls(address: address, underlying: error)
        } catch let error as SystemError {
            throw DockerError.connectionLost(address: address, phase: .tlsHandshake, reason: error.description)
        }
    }
}

extension DockerError {
    /// The same error naming `address` (the TLS transport reports `https://`, not its inner `tcp://`).
    func relabelled(address: String) -> DockerError {
        switch self {
        case .unreachable(_, let reason): .unreachable(address: address, reason: reason)
        case .timedOut(_, let phase): .timedOut(address: address, phase: phase)
        default: self
        }
    }
}
