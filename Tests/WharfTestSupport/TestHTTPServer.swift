import Synchronization
package import WharfHTTP
package import WharfIO
package import WharfTLS
import WharfWire

/// A route permission for tests: the router insists every route names one.
package struct TestPermission: RoutePermission {
    package init() {}
    package var description: String { "test" }
}

extension RoutePermission where Self == TestPermission {
    /// `routes.add(.get, "/", permission: .test) { … }`
    package static var test: TestPermission { TestPermission() }
}

/// An ``HTTPServer`` on `127.0.0.1` (and optionally `[::1]`) port 0, for tests over real sockets.
///
/// Every test server shares one two-loop ``EventLoopGroup``, as production does on a small host.
/// Errors the server reports (handler failures, refused headers) are kept in ``errorMessages``
/// instead of going to stderr, so tests can assert on them.
package final class TestHTTPServer: Sendable {
    /// The loops every test server runs on; started once, never stopped (the process ends).
    package static let group: EventLoopGroup = {
        do {
            return try EventLoopGroup(loops: 2, name: "wharf-test")
        } catch {
            fatalError("cannot start the test event loops: \(error)")
        }
    }()

    /// The server defaults, with a short shutdown grace period so a failing test cannot stall the suite.
    package static var limits: HTTPLimits {
        var limits = HTTPLimits()
        limits.shutdownGracePeriod = 2
        return limits
    }

    package let server: HTTPServer
    /// The bound IPv4 address, with its real port.
    package let address: SocketAddress
    /// The bound IPv6 address when one was asked for.
    package let ipv6Address: SocketAddress?
    private let errors = Locked<[String]>([])

    /// Builds the routes, starts the server and binds port 0.
    package init(
        limits: HTTPLimits = TestHTTPServer.limits, middleware: [any HTTPMiddleware] = [], ipv6: Bool = false,
        accessLog: AccessLog? = nil, group: EventLoopGroup = TestHTTPServer.group, tls: ReloadableTLSServerContext? = nil,
        routes: (inout RouterBuilder) throws -> Void
    ) throws {
        var builder = RouterBuilder()
        try routes(&builder)
        let router = try builder.build()
        var addresses = [try SocketAddress(ip: "127.0.0.1", port: 0)]
        if ipv6 { addresses.append(try SocketAddress(ip: "::1", port: 0)) }
        var configuration = HTTPServerConfiguration(addresses: addresses)
        configuration.limits = limits
        configuration.accessLog = accessLog
        configuration.tls = tls
        let errors = self.errors
        configuration.errorLog = { message in errors.withLock { $0.append(message) } }
        server = HTTPServer(
            configuration: configuration, responder: HTTPResponder(router: router, middleware: middleware), group: group)
        try server.start()
        let bound = server.boundAddresses
        address = bound[0]
        ipv6Address = ipv6 ? bound[1] : nil
    }

    /// Starts a server, runs `body` with it, and shuts it down whether `body` returns or throws.
    ///
    /// `ownLoop` runs the server on a loop of its own, stopped afterwards: for tests that keep a
    /// loop busy (tens of MiB through a handler), so they do not slow the timing of the others.
    package static func run<R: Sendable>(
        limits: HTTPLimits = TestHTTPServer.limits, middleware: [any HTTPMiddleware] = [], ipv6: Bool = false,
        accessLog: AccessLog? = nil, ownLoop: Bool = false, tls: ReloadableTLSServerContext? = nil,
        routes: (inout RouterBuilder) throws -> Void,
        test body: (TestHTTPServer) async throws -> R
    ) async throws -> R {
        let group = ownLoop ? try EventLoopGroup(loops: 1, name: "wharf-test-own") : TestHTTPServer.group
        let server = try TestHTTPServer(
            limits: limits, middleware: middleware, ipv6: ipv6, accessLog: accessLog, group: group, tls: tls, routes: routes)
        let result: Result<R, any Error>
        do {
            result = .success(try await body(server))
        } catch {
            result = .failure(error)
        }
        await server.shutdown()
        if ownLoop { await group.shutdown() }
        return try result.get()
    }

    /// What the server reported through its error log, in order.
    package var errorMessages: [String] { errors.withLock { $0 } }

    /// A new connection to the server (IPv4 unless `ipv6`).
    package func connect(ipv6: Bool = false) async throws -> RawHTTPClient {
        guard !ipv6 || ipv6Address != nil else { throw RawHTTPClient.Failure.malformed("the server has no IPv6 address") }
        return try await RawHTTPClient.connect(to: ipv6 ? ipv6Address! : address)
    }

    /// Sends `request` on a new connection and reads one response.
    package func response(to request: [UInt8], forHEAD: Bool = false) async throws -> RawHTTPResponse {
        let client = try await connect()
        try await client.send(request)
        return try await client.readResponse(forHEAD: forHEAD)
    }

    /// Graceful shutdown (see ``HTTPServer/shutdown()``).
    package func shutdown() async { await server.shutdown() }
}

/// Request bytes, written out by hand so tests control every byte.
package enum Wire {
    /// `METHOD target HTTP/1.x`, a `Host` unless one is given, the headers, `Content-Length` when a
    /// body is given and no framing header is, then the body.
    package static func request(
        _ method: String = "GET", _ target: String, version: String = "HTTP/1.1",
        headers: [(String, String)] = [], body: [UInt8]? = nil
    ) -> [UInt8] {
        var text = "\(method) \(target) \(version)\r\n"
        let names = headers.map { $0.0.lowercased() }
        if !names.contains("host") && version == "HTTP/1.1" { text += "Host: localhost\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body, !names.contains("content-length"), !names.contains("transfer-encoding") {
            text += "Content-Length: \(body.count)\r\n"
        }
        text += "\r\n"
        return Array(text.utf8) + (body ?? [])
    }

    /// `data` in the chunked coding, cut into chunks of `size` bytes, with the last chunk and no trailers.
    package static func chunked(_ data: [UInt8], size: Int) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        while offset < data.count {
            let end = min(offset + size, data.count)
            out += Array("\(String(end - offset, radix: 16))\r\n".utf8) + data[offset..<end] + [0x0D, 0x0A]
            offset = end
        }
        return out + Array("0\r\n\r\n".utf8)
    }
}
