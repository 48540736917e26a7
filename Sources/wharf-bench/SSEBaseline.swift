import Glibc
import WharfHTTP
import WharfIO
import WharfWire

/// `wharf-bench sse-baseline --port P [--plain]`: a bare HTTP server (no Wharf middleware) with one
/// route, `GET /events`, that sends one event and then holds the stream open: what a server-sent
/// event stream costs before any application code. `--plain` answers a `.stream` body with no
/// heartbeat task. For `deploy/bench/run.sh jobs`, which sets it beside Wharf's own streams.
enum SSEBaseline {
    static func run(_ arguments: [String]) async throws {
        guard let port = option("--port", in: arguments).flatMap(UInt16.init) else { throw UsageError(description: "--port is required") }
        let plain = arguments.contains("--plain")
        struct Open: RoutePermission { var description: String { "open" } }
        var routes = RouterBuilder()
        routes.add(.get, "/events", permission: Open()) { _, _ in
            if plain {
                return HTTPResponse(status: .ok, headers: ["Content-Type": "text/event-stream"], body: .stream(length: nil) { writer in
                    try await writer.write(Array("data: hello\n\n".utf8))
                    try await Task.sleep(for: .seconds(3600))
                })
            }
            return .eventStream { stream in
                try await stream.send(ServerSentEvent(data: "hello"))
                try await Task.sleep(for: .seconds(3600))
            }
        }
        let group = try EventLoopGroup(loops: 1)
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(addresses: [try SocketAddress(ip: "127.0.0.1", port: port)]),
            responder: HTTPResponder(router: try routes.build(), middleware: []), group: group)
        try server.start()
        print("listening")
        try await Task.sleep(for: .seconds(3600))
    }
}
