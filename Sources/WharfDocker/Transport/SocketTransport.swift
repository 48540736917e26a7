import Glibc
package import WharfIO

/// A Unix-socket or plain-TCP transport. TCP host names are resolved at each connect (off the
/// cooperative pool) and the addresses are tried in the resolver's order.
package struct SocketTransport: DockerTransport {
    private enum Target: Sendable {
        case unix(String)
        case tcp(String, UInt16)
    }

    private let target: Target
    package let address: String
    package let hostHeader: String

    /// A transport to the Unix socket at `path`.
    package static func unix(path: String) -> SocketTransport {
        SocketTransport(target: .unix(path), address: "unix://\(path)", hostHeader: "docker")
    }

    /// A plain TCP transport to `host:port`.
    package static func tcp(host: String, port: UInt16) -> SocketTransport {
        let authority = DockerEndpoint.authority(host, port)
        return SocketTransport(target: .tcp(host, port), address: "tcp://\(authority)", hostHeader: authority)
    }

    private init(target: Target, address: String, hostHeader: String) {
        self.target = target
        self.address = address
        self.hostHeader = hostHeader
    }

    package func connect(on loop: EventLoop, timeouts: DockerTimeouts) async throws -> any ByteStream {
        try await connectSocket(on: loop, timeouts: timeouts)
    }

    /// `SO_SNDBUF` of a Unix socket to the engine: a Unix socket is writable again only once
    /// three quarters of its buffer were read, so with the default 208 KiB an upload woke Wharf
    /// for every 64 KiB chunk; with 4 MiB it writes a dozen per wake-up (a 1 GiB build context:
    /// 0.57 s of Wharf's CPU instead of 0.87 s). TCP sizes its own buffers and is left alone.
    static let unixSendBuffer: Int32 = 4 << 20

    /// Connects the plain socket; the TLS transport builds on this.
    package func connectSocket(on loop: EventLoop, timeouts: DockerTimeouts) async throws -> Socket {
        let deadline = timeouts.connect.map { Deadline.after(seconds: $0) }
        let addresses: [SocketAddress]
        switch target {
        case .unix(let path):
            do {
                addresses = [try SocketAddress(unixPath: path)]
            } catch {
                throw DockerError.invalidEndpoint(address, reason: error.description)
            }
        case .tcp(let host, let port):
            do {
                addresses = try await SocketAddress.resolve(host: host, port: port)
            } catch {
                throw DockerError.unreachable(address: address, reason: "cannot resolve \(host): \(error)")
            }
        }
        var lastReason = "no address"
        for candidate in addresses {
            do {
                let socket = try await Socket.connect(to: candidate, loop: loop, deadline: deadline)
                if case .unix = target { try? socket.setSendBuffer(Self.unixSendBuffer) }
                return socket
            } catch let error as SystemError {
                lastReason = Self.reason(error)
            } catch IOError.timedOut {
                throw DockerError.timedOut(address: address, phase: .connect)
            }
        }
        throw DockerError.unreachable(address: address, reason: lastReason)
    }

    /// A short reason for a failed connect: "connection refused", "no such file", with the errno text.
    private static func reason(_ error: SystemError) -> String {
        String(cString: strerror(error.code)).lowercased()
    }
}
