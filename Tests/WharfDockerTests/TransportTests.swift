import Foundation
import Glibc
import Testing
import WharfDocker
import WharfIO
import WharfTestSupport

/// What the transports set on the sockets they open.
@Suite struct TransportTests {
    /// A Unix socket to the engine gets a 4 MiB send buffer (an upload then writes many chunks
    /// per wake-up); a TCP one keeps the kernel's own sizing.
    @Test func unixConnectionsGetALargeSendBufferAndTCPKeepsTheKernels() async throws {
        let loop = TestHTTPServer.group.next()
        let path = "/tmp/wharf-transport-\(getpid())-\(UInt32.random(in: 0 ... .max)).sock"
        defer { unlink(path) }
        let unixListener = try Socket.listen(on: try SocketAddress(unixPath: path), loop: loop)
        defer { unixListener.close() }
        let unix = try await SocketTransport.unix(path: path).connectSocket(on: loop, timeouts: DockerTimeouts())
        defer { unix.close() }
        // The kernel keeps twice what was set, capped by net.core.wmem_max.
        let cap = (try? String(contentsOfFile: "/proc/sys/net/core/wmem_max", encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 212_992
        #expect(try unix.sendBufferSize() >= 2 * min(4 << 20, cap))
        #expect(try unix.sendBufferSize() > 212_992, "more than the default")

        let tcpListener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: loop)
        defer { tcpListener.close() }
        let port = try tcpListener.localAddress().port ?? 0
        let tcp = try await SocketTransport.tcp(host: "127.0.0.1", port: port).connectSocket(on: loop, timeouts: DockerTimeouts())
        defer { tcp.close() }
        #expect(try tcp.sendBufferSize() < 4 << 20)
    }
}
