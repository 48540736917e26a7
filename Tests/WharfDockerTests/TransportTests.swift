import Foundation
import Glibc
import Testing
import WharfDocker
import WharfIO
import WharfTestSupport

/// What the transports set on the sockets they open.
@Suite struct TransportTests {
    /// A Unix socket to the engine gets a 4 MiB send buffer, so an upload writes many chunks per
    /// wake-up. (TCP connections are left to the kernel, whose own sizing `SO_SNDBUF` would turn
    /// off; it sizes a loopback connection's buffer up to `tcp_wmem`'s maximum by itself, so there
    /// is nothing to compare there.)
    @Test func unixConnectionsGetALargeSendBuffer() async throws {
        let loop = TestHTTPServer.group.next()
        let path = "/tmp/wharf-transport-\(getpid())-\(UInt32.random(in: 0 ... .max)).sock"
        defer { unlink(path) }
        let listener = try Socket.listen(on: try SocketAddress(unixPath: path), loop: loop)
        defer { listener.close() }
        let unix = try await SocketTransport.unix(path: path).connectSocket(on: loop, timeouts: DockerTimeouts())
        defer { unix.close() }
        // The kernel keeps twice what was set, capped by net.core.wmem_max.
        let cap = (try? String(contentsOfFile: "/proc/sys/net/core/wmem_max", encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 212_992
        #expect(try unix.sendBufferSize() >= 2 * min(4 << 20, cap))
        #expect(try unix.sendBufferSize() > 212_992, "more than the default")
    }
}
