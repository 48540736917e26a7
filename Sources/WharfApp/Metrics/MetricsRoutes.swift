import WharfWire
import WharfHTTP
import WharfSQLite

/// `GET /metrics` (admins, or the metrics token through ``MetricsAccess``) and `GET /readyz`.
struct MetricsRoutes {
    let metrics: WharfMetrics
    let database: Database
    let hosts: HostServices

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/metrics", permission: Permission.admin) { _, _ in
            await MetricsAccess.exposition(metrics)
        }
        // Readiness for orchestrators and load balancers: the database answers (a read within
        // 2 s); with `?hosts=1`, also at least one host's engine answered its last check.
        router.add(.get, "/readyz", permission: Permission.anonymous) { request, _ in
            let database = await Self.databaseAnswers(database)
            let statuses = await hosts.health.all.values
            let up = statuses.filter { $0.state == .up }.count
            let needHost = request.queryValue("hosts") == "1"
            let ready = database && (!needHost || up > 0)
            let body = #"{"status":"\#(ready ? "ready" : "not ready")","database":"\#(database ? "ok" : "failing")","hosts_up":\#(up)}"#
            var response = HTTPResponse.json(Array(body.utf8), status: ready ? .ok : .serviceUnavailable)
            response.headers.set("Cache-Control", "no-store")
            return response
        }
    }

    private static func databaseAnswers(_ database: Database) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await database.read { connection in try connection.queryValue("SELECT 1", as: Int.self) }) == 1 }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}

/// Lets the metrics token read `/metrics` before authentication sees it: a bearer token starting
/// `wharfm_` on that route is checked here and, if it is the current one, answered here; any
/// other request goes on unchanged (admins reach the route through the normal checks). A wrong
/// metrics token is a 401, audited like any refused token.
struct MetricsAccess: HTTPMiddleware {
    let metrics: WharfMetrics
    let database: Database
    let audit: AuditLog

    func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
        guard context.route?.pattern == "/metrics", let authorization = request.headers["Authorization"] else {
            return try await next(request, context)
        }
        guard let secret = BearerCredential.token(authorization), MetricsToken.looksLikeToken(secret) else {
            return try await next(request, context)
        }
        if try await database.read({ connection in try MetricsToken.matches(secret, on: connection) }) {
            return await Self.exposition(metrics)
        }
        var entry = context.auditEntry(
            "auth.token.denied", outcome: .denied, target: String(secret.prefix(14)), parameters: ["reason": "unknown metrics token"],
            httpStatus: .unauthorized)
        entry.source = .api
        _ = try await audit.record(entry)
        throw HTTPError(.unauthorized, "The metrics token is not valid: create a new one on the settings page.",
                        headers: ["WWW-Authenticate": #"Bearer realm="wharf", error="invalid_token""#])
    }

    static func exposition(_ metrics: WharfMetrics) async -> HTTPResponse {
        var response = HTTPResponse(status: .ok, headers: ["Content-Type": MetricsRegistry.contentType, "Cache-Control": "no-store"])
        response.body = .bytes(Array(await metrics.registry.exposition().utf8))
        return response
    }
}
