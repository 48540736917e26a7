import WharfWire
import Testing
import WharfApp
import WharfHTTP
import WharfSQLite

/// Every route WharfApplication registers × (anonymous, viewer, operator, admin) → the status the
/// request gets, sent as a browser would (valid CSRF token, same Origin) with an empty form, so
/// what differs between columns is authorization alone. A route without a row fails the test:
/// adding a route means deciding, here, who may use it.
@Suite struct PermissionTableTests {
    /// `METHOD pattern` → [anonymous, viewer, operator, admin].
    /// 303 for anonymous is "sent to sign-in"; 401 is the API answer; 403 is refused.
    static let expected: [String: [Int]] = [
        "GET /healthz": [200, 200, 200, 200],
        "GET /static/*path": [200, 200, 200, 200],
        "GET /favicon.ico": [301, 301, 301, 301],
        "GET /": [303, 200, 200, 200],
        "GET /signin": [200, 303, 303, 303],
        "POST /signin": [422, 422, 422, 422],
        "GET /signin/totp": [303, 303, 303, 303],
        "POST /signin/totp": [303, 303, 303, 303],
        "POST /signout": [303, 303, 303, 303],
        "GET /setup": [403, 403, 403, 403],
        "POST /setup": [403, 403, 403, 403],
        "GET /users": [303, 403, 403, 200],
        "GET /users/new": [303, 403, 403, 200],
        "POST /users": [303, 403, 403, 422],
        "GET /users/:id": [303, 403, 403, 200],
        "POST /users/:id/role": [303, 403, 403, 422],
        "POST /users/:id/disable": [303, 403, 403, 303],
        "POST /users/:id/enable": [303, 403, 403, 303],
        "POST /users/:id/password": [303, 403, 403, 422],
        "POST /users/:id/sessions/revoke": [303, 403, 403, 303],
        "POST /users/:id/tokens/:token/revoke": [303, 403, 403, 404],
        "GET /api/v1/users/:user/tokens": [401, 403, 403, 200],
        "POST /api/v1/users/:user/tokens/:token/revoke": [401, 403, 403, 404],
        "POST /settings/security": [303, 403, 403, 303],
        "GET /profile": [303, 200, 200, 200],
        "POST /profile/password": [303, 422, 422, 422],
        "POST /profile/sessions/:id/revoke": [303, 404, 404, 404],
        "POST /profile/tokens": [303, 422, 422, 422],
        "POST /profile/tokens/:id/revoke": [303, 404, 404, 404],
        "GET /profile/totp": [303, 200, 200, 200],
        "POST /profile/totp": [303, 422, 422, 422],
        "POST /profile/totp/start": [303, 303, 303, 303],
        "POST /profile/totp/remove": [303, 422, 422, 422],
        "GET /hosts": [303, 200, 200, 200],
        "GET /hosts/new": [303, 403, 403, 200],
        "POST /hosts": [303, 403, 403, 422],
        "POST /hosts/new/test": [303, 403, 403, 422],
        "POST /hosts/new/local": [303, 403, 403, 303],
        "GET /hosts/:host": [303, 200, 200, 200],
        "GET /hosts/:host/edit": [303, 403, 403, 200],
        "POST /hosts/:host": [303, 403, 403, 422],
        "POST /hosts/:host/delete": [303, 403, 403, 303],
        "POST /hosts/:host/grants": [303, 403, 403, 422],
        "GET /api/hosts": [308, 308, 308, 308],
        "GET /api/hosts/:host": [308, 308, 308, 308],
        "GET /api/me": [308, 308, 308, 308],
        "GET /api/v1/hosts": [401, 200, 200, 200],
        "GET /api/v1/hosts/:host": [401, 200, 200, 200],
        "GET /api/v1/me": [401, 200, 200, 200],
        "GET /api/v1/openapi.json": [200, 200, 200, 200],
        // Containers: host 1 is an engine that cannot be reached (unix:///nowhere), so a request
        // that passes authorization reaches the engine and answers 502 (a page action goes back
        // with the error as a flash: 303); forms checked before any engine call answer 422 or 415.
        "GET /hosts/:host/containers": [303, 502, 502, 502],
        "GET /hosts/:host/containers/new": [303, 403, 200, 200],
        "POST /hosts/:host/containers": [303, 403, 422, 422],
        "GET /hosts/:host/prune/containers": [303, 403, 502, 502],
        "POST /hosts/:host/prune/containers": [303, 403, 303, 303],
        "POST /hosts/:host/containers/bulk": [303, 403, 303, 303],
        "GET /hosts/:host/containers/:id": [303, 502, 502, 502],
        "GET /hosts/:host/containers/:id/inspect": [303, 502, 502, 502],
        "GET /hosts/:host/containers/:id/top": [303, 502, 502, 502],
        "GET /hosts/:host/containers/:id/changes": [303, 502, 502, 502],
        "GET /hosts/:host/containers/:id/logs": [303, 502, 502, 502],
        "GET /hosts/:host/containers/:id/logs/events": [303, 502, 502, 502],
        "GET /hosts/:host/containers/:id/logs/download": [303, 502, 502, 502],
        "GET /hosts/:host/containers/:id/stats": [303, 502, 502, 502],
        "GET /hosts/:host/containers/:id/stats/events": [303, 502, 502, 502],
        "GET /hosts/:host/containers/:id/export": [303, 403, 502, 502],
        "POST /hosts/:host/containers/:id/start": [303, 403, 303, 303],
        "POST /hosts/:host/containers/:id/stop": [303, 403, 303, 303],
        "POST /hosts/:host/containers/:id/restart": [303, 403, 303, 303],
        "POST /hosts/:host/containers/:id/kill": [303, 403, 303, 303],
        "POST /hosts/:host/containers/:id/pause": [303, 403, 303, 303],
        "POST /hosts/:host/containers/:id/unpause": [303, 403, 303, 303],
        "POST /hosts/:host/containers/:id/rename": [303, 403, 303, 303],
        "POST /hosts/:host/containers/:id/remove": [303, 403, 303, 303],
        "GET /api/v1/hosts/:host/containers": [401, 502, 502, 502],
        "GET /api/v1/containers": [401, 200, 200, 200],
        "POST /api/v1/hosts/:host/containers": [401, 403, 415, 415],
        "POST /api/v1/hosts/:host/prune/containers": [401, 403, 415, 415],
        "GET /api/v1/hosts/:host/containers/:id": [401, 502, 502, 502],
        "GET /api/v1/hosts/:host/containers/:id/top": [401, 502, 502, 502],
        "GET /api/v1/hosts/:host/containers/:id/changes": [401, 502, 502, 502],
        "GET /api/v1/hosts/:host/containers/:id/stats": [401, 502, 502, 502],
        "GET /api/v1/hosts/:host/containers/:id/logs": [401, 502, 502, 502],
        "GET /api/v1/hosts/:host/containers/:id/export": [401, 403, 502, 502],
        "POST /api/v1/hosts/:host/containers/:id/start": [401, 403, 502, 502],
        "POST /api/v1/hosts/:host/containers/:id/stop": [401, 403, 502, 502],
        "POST /api/v1/hosts/:host/containers/:id/restart": [401, 403, 502, 502],
        "POST /api/v1/hosts/:host/containers/:id/kill": [401, 403, 502, 502],
        "POST /api/v1/hosts/:host/containers/:id/pause": [401, 403, 502, 502],
        "POST /api/v1/hosts/:host/containers/:id/unpause": [401, 403, 502, 502],
        "POST /api/v1/hosts/:host/containers/:id/rename": [401, 403, 422, 422],
        "DELETE /api/v1/hosts/:host/containers/:id": [401, 403, 502, 502],
        // Volumes, networks, events and the system page: host 1 is unreachable as above. Remove
        // without confirm=1 answers the confirmation page (200) before any engine call; forms
        // that fail their checks answer 422; event streams answer 200 and report the engine's
        // state inside the stream.
        "GET /hosts/:host/volumes": [303, 502, 502, 502],
        "GET /hosts/:host/volumes/new": [303, 403, 200, 200],
        "POST /hosts/:host/volumes": [303, 403, 502, 502],
        "GET /hosts/:host/prune/volumes": [303, 403, 502, 502],
        "POST /hosts/:host/prune/volumes": [303, 403, 303, 303],
        "GET /hosts/:host/volumes/:name": [303, 502, 502, 502],
        "POST /hosts/:host/volumes/:name/remove": [303, 403, 200, 200],
        "GET /hosts/:host/networks": [303, 502, 502, 502],
        "GET /hosts/:host/networks/new": [303, 403, 200, 200],
        "POST /hosts/:host/networks": [303, 403, 422, 422],
        "GET /hosts/:host/prune/networks": [303, 403, 502, 502],
        "POST /hosts/:host/prune/networks": [303, 403, 303, 303],
        "GET /hosts/:host/networks/:id": [303, 502, 502, 502],
        "POST /hosts/:host/networks/:id/remove": [303, 403, 303, 303],
        "POST /hosts/:host/networks/:id/connect": [303, 403, 303, 303],
        "POST /hosts/:host/networks/:id/disconnect": [303, 403, 303, 303],
        "GET /hosts/:host/events": [303, 200, 200, 200],
        "GET /hosts/:host/events/stream": [303, 200, 200, 200],
        "GET /events": [303, 200, 200, 200],
        "GET /events/stream": [303, 200, 200, 200],
        "GET /hosts/:host/system": [303, 502, 502, 502],
        "GET /hosts/:host/prune": [303, 403, 502, 502],
        "POST /hosts/:host/prune": [303, 403, 303, 303],
        "GET /api/v1/hosts/:host/volumes": [401, 502, 502, 502],
        "POST /api/v1/hosts/:host/volumes": [401, 403, 415, 415],
        "POST /api/v1/hosts/:host/prune/volumes": [401, 403, 415, 415],
        "GET /api/v1/hosts/:host/volumes/:name": [401, 502, 502, 502],
        "DELETE /api/v1/hosts/:host/volumes/:name": [401, 403, 502, 502],
        "GET /api/v1/hosts/:host/networks": [401, 502, 502, 502],
        "POST /api/v1/hosts/:host/networks": [401, 403, 415, 415],
        "POST /api/v1/hosts/:host/prune/networks": [401, 403, 415, 415],
        "GET /api/v1/hosts/:host/networks/:id": [401, 502, 502, 502],
        "DELETE /api/v1/hosts/:host/networks/:id": [401, 403, 502, 502],
        "POST /api/v1/hosts/:host/networks/:id/connect": [401, 403, 415, 415],
        "POST /api/v1/hosts/:host/networks/:id/disconnect": [401, 403, 415, 415],
        "GET /api/v1/hosts/:host/events": [401, 502, 502, 502],
        "GET /api/v1/hosts/:host/events/stream": [401, 200, 200, 200],
        "GET /api/v1/events/stream": [401, 200, 200, 200],
        "GET /api/v1/hosts/:host/system": [401, 502, 502, 502],
        "POST /api/v1/hosts/:host/prune": [401, 403, 415, 415],
        // Images: host 1 is unreachable (502 once authorized, 303 with a flash for page actions);
        // forms and bodies checked first answer 422 or 415 (an empty form is not an upload).
        "GET /hosts/:host/images": [303, 502, 502, 502],
        "GET /hosts/:host/images/:id": [303, 502, 502, 502],
        "GET /hosts/:host/images/pull": [303, 403, 200, 200],
        "GET /hosts/:host/images/build": [303, 403, 200, 200],
        "GET /hosts/:host/images/load": [303, 403, 200, 200],
        "GET /hosts/:host/images/import": [303, 403, 200, 200],
        "GET /hosts/:host/prune/images": [303, 403, 502, 502],
        "GET /hosts/:host/images/save": [303, 403, 422, 422],
        "POST /hosts/:host/images/pull": [303, 403, 303, 303],
        "POST /hosts/:host/images/build": [303, 403, 303, 303],
        "POST /hosts/:host/images/load": [303, 403, 303, 303],
        "POST /hosts/:host/images/import": [303, 403, 303, 303],
        "POST /hosts/:host/prune/images": [303, 403, 303, 303],
        "POST /hosts/:host/images/:id/tag": [303, 403, 303, 303],
        "POST /hosts/:host/images/:id/remove": [303, 403, 303, 303],
        "POST /hosts/:host/images/:id/push": [303, 403, 303, 303],
        "POST /hosts/:host/containers/:id/commit": [303, 403, 303, 303],
        "GET /api/v1/hosts/:host/images": [401, 502, 502, 502],
        "GET /api/v1/hosts/:host/search": [401, 422, 422, 422],
        "GET /api/v1/hosts/:host/save": [401, 403, 422, 422],
        "GET /api/v1/hosts/:host/images/:id": [401, 502, 502, 502],
        "GET /api/v1/hosts/:host/images/:id/history": [401, 502, 502, 502],
        "POST /api/v1/hosts/:host/pull": [401, 403, 415, 415],
        "POST /api/v1/hosts/:host/build": [401, 403, 415, 415],
        "POST /api/v1/hosts/:host/load": [401, 403, 415, 415],
        "POST /api/v1/hosts/:host/import": [401, 403, 415, 415],
        "POST /api/v1/hosts/:host/prune/images": [401, 403, 415, 415],
        "POST /api/v1/hosts/:host/images/:id/tag": [401, 403, 422, 422],
        "POST /api/v1/hosts/:host/images/:id/push": [401, 403, 415, 415],
        "DELETE /api/v1/hosts/:host/images/:id": [401, 403, 502, 502],
        "POST /api/v1/hosts/:host/containers/:id/commit": [401, 403, 415, 415],
        // Registries: admins only; registry 4 does not exist.
        "GET /registries": [303, 403, 403, 200],
        "POST /registries": [303, 403, 403, 422],
        "GET /registries/:id": [303, 403, 403, 404],
        "POST /registries/:id": [303, 403, 403, 404],
        "POST /registries/:id/delete": [303, 403, 403, 404],
        "POST /registries/:id/test": [303, 403, 403, 404],
        "GET /api/v1/registries": [401, 403, 403, 200],
        "POST /api/v1/registries": [401, 403, 403, 415],
        "GET /api/v1/registries/:id": [401, 403, 403, 404],
        "PUT /api/v1/registries/:id": [401, 403, 403, 404],
        "DELETE /api/v1/registries/:id": [401, 403, 403, 404],
        "POST /api/v1/registries/:id/test": [401, 403, 403, 404],
        // Jobs: not under a host; each route checks the job's host itself. Job 4 does not exist:
        // non-admins get the 403 an ungranted job gets, admins 404.
        "GET /jobs": [303, 200, 200, 200],
        "GET /jobs/:id": [303, 403, 403, 404],
        "GET /jobs/:id/events": [303, 403, 403, 404],
        "GET /jobs/:id/output": [303, 403, 403, 404],
        "POST /jobs/:id/cancel": [303, 403, 403, 404],
        "POST /jobs/settings": [303, 403, 403, 303],
        "GET /api/v1/jobs": [401, 200, 200, 200],
        "GET /api/v1/jobs/settings": [401, 403, 403, 200],
        "PUT /api/v1/jobs/settings": [401, 403, 403, 415],
        "GET /api/v1/jobs/:id": [401, 403, 403, 404],
        "GET /api/v1/jobs/:id/events": [401, 403, 403, 404],
        "GET /api/v1/jobs/:id/output": [401, 403, 403, 404],
        "POST /api/v1/jobs/:id/cancel": [401, 403, 403, 404],
        "GET /audit": [303, 403, 403, 200],
        "GET /audit/:id": [303, 403, 403, 200],
        "GET /audit/export.csv": [303, 403, 403, 200],
        "GET /audit/export.jsonl": [303, 403, 403, 200],
        "GET /settings": [303, 403, 403, 200],
        "POST /settings/backup": [303, 403, 403, 200],
        "POST /settings/metrics-token": [303, 403, 403, 200],
        "POST /settings/metrics-token/revoke": [303, 403, 403, 303],
        "GET /metrics": [303, 403, 403, 200],
        "GET /readyz": [200, 200, 200, 200],
        // The Docker endpoint takes API tokens only: a browser session is never a credential there
        // (see dockerTokenRows for tokens).
        "GET /api/v1/hosts/:host/docker/*path": [401, 401, 401, 401],
        "HEAD /api/v1/hosts/:host/docker/*path": [401, 401, 401, 401],
        "POST /api/v1/hosts/:host/docker/*path": [401, 401, 401, 401],
        "PUT /api/v1/hosts/:host/docker/*path": [401, 401, 401, 401],
        "DELETE /api/v1/hosts/:host/docker/*path": [401, 401, 401, 401],
        "GET /hosts/:host/docker-cli": [303, 200, 200, 200],
        "POST /hosts/:host/docker-cli/token": [303, 422, 422, 422],
        "POST /hosts/:host/docker-cli/settings": [303, 403, 403, 303],
    ]

    /// The Docker endpoint with each column's API token (anonymous: none), on host 1 ("alpha",
    /// whose engine does not exist: a forwarded call answers 502) — so 502 means "allowed".
    /// `METHOD path [body]` → [anonymous, viewer, operator, admin].
    static let dockerTokenRows: [(String, [Int])] = [
        ("GET /_ping", [401, 502, 502, 502]),
        ("HEAD /_ping", [401, 502, 502, 502]),
        ("GET /version", [401, 502, 502, 502]),
        ("GET /v1.41/containers/json", [401, 502, 502, 502]),
        ("GET /v1.41/containers/x/logs", [401, 502, 502, 502]),
        ("GET /v1.41/events", [401, 502, 502, 502]),
        ("POST /v1.41/containers/create {\"Image\":\"x\"}", [401, 403, 502, 502]),
        ("POST /v1.41/containers/create {\"Image\":\"x\",\"HostConfig\":{\"Privileged\":true}}", [401, 403, 403, 403]),
        ("POST /v1.41/containers/create {\"image\":\"x\",\"hostconfig\":{\"binds\":[\"/:/h\"]}}", [401, 403, 403, 403]),
        ("POST /v1.41/containers/create", [401, 403, 400, 400]),
        ("POST /v1.41/containers/x/start", [401, 403, 502, 502]),
        ("POST /v1.41/containers/x/exec {\"Cmd\":[\"sh\"],\"Privileged\":true}", [401, 403, 403, 403]),
        ("GET /v1.41/containers/x/export", [401, 403, 502, 502]),
        ("GET /v1.41/containers/x/archive", [401, 403, 502, 502]),
        ("HEAD /v1.41/containers/x/archive", [401, 403, 502, 502]),
        ("PUT /v1.41/containers/x/archive", [401, 403, 502, 502]),
        ("DELETE /v1.41/containers/x", [401, 403, 502, 502]),
        ("POST /v1.41/build", [401, 403, 502, 502]),
        ("POST /v1.41/build?remote=http%3A%2F%2Fx", [401, 403, 403, 403]),
        ("POST /v1.41/images/create?fromImage=busybox", [401, 403, 502, 502]),
        ("POST /v1.41/volumes/create {\"DriverOpts\":{\"o\":\"bind\",\"device\":\"/etc\"}}", [401, 403, 403, 403]),
        ("POST /v1.41/plugins/pull", [401, 403, 403, 403]),
        ("GET /v1.41/plugins", [401, 403, 403, 403]),
        ("POST /v1.41/swarm/init", [401, 403, 403, 403]),
        ("GET /v1.41/secrets", [401, 403, 403, 403]),
        ("POST /session", [401, 403, 403, 403]),
        ("GET /v1.41/containers/a/b/json", [401, 403, 403, 403]),
        ("PUT /v1.41/containers/json", [401, 403, 403, 403]),
        ("GET /v1.41/../_ping", [401, 400, 400, 400]),
        ("GET /v1.41/info?access_token=x", [401, 401, 401, 401]),
    ]

    /// Host routes follow grants: vic views and olga operates host 1 ("alpha"); host 2 ("beta") is
    /// the one removed, so the other rows still find host 1. An ungranted host answers 403.
    static let hostGrantRows: [(String, [Int])] = [
        ("GET /hosts/3", [303, 403, 403, 200]),
        ("GET /api/v1/hosts/3", [401, 403, 403, 200]),
        ("GET /api/v1/hosts/alpha", [401, 200, 200, 200]),
        ("GET /api/v1/hosts/nowhere", [401, 403, 403, 404]),
        ("GET /hosts/alpha", [303, 200, 200, 200]),
    ]

    /// A concrete path for a pattern: `:id` is user 4 (a bystander no column signs in as), or a
    /// session/token id that does not exist; the wildcard names the stylesheet.
    static func path(for pattern: String) -> String {
        var path = pattern.replacing("*path", with: "css/wharf.css")
        if pattern.hasPrefix("/profile/") { path = path.replacing(":id", with: "999") }
        path = path.replacing(":host/delete", with: "2/delete").replacing(":host", with: "1").replacing(":user", with: "4")
        return path.replacing(":token", with: "999").replacing(":id", with: "4")
    }

    @Test func everyRouteHasARowAndEveryRowARoute() async throws {
        try await withApp { app in
            let registered = Set(app.app.responder.router.routes.map { "\($0.method) \($0.pattern)" })
            for route in registered.sorted() where Self.expected[route] == nil {
                Issue.record("route \(route) has no row in PermissionTableTests.expected: decide who may use it")
            }
            for row in Set(Self.expected.keys).subtracting(registered).sorted() {
                Issue.record("PermissionTableTests.expected has \(row), which is not registered")
            }
            for route in app.app.responder.router.routes {
                #expect(route.permission is Permission, "route \(route.method) \(route.pattern) does not name a Permission")
            }
        }
    }

    @Test func everyRouteAnswersEachRoleAsTheTableSays() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            try await app.user("vic", .viewer)
            try await app.user("olga", .operator)
            try await app.user("bystander", .viewer)
            for name in ["alpha", "beta", "gamma"] {
                try await app.app.hosts.registry.create(HostInput(name: name, url: "unix:///nowhere/\(name).sock"), by: cliActor)
            }
            try await app.app.database.write { connection in
                for host in [1, 2] as [Int64] {
                    try Grants.set(.viewer, user: 2, host: host, on: connection)
                    try Grants.set(.operator, user: 3, host: host, on: connection)
                }
            }
            let columns: [String?] = [nil, "vic", "olga", "root"]
            for route in app.app.responder.router.routes.sorted(by: { "\($0.pattern)" < "\($1.pattern)" }) {
                let key = "\(route.method) \(route.pattern)"
                guard let row = Self.expected[key] else { continue }
                for (column, username) in columns.enumerated() {
                    let browser = TestBrowser(app, address: "10.0.0.\(column + 1)")
                    if let username {
                        #expect(try await browser.signIn(username).status == .seeOther)
                        try await browser.get("/profile")
                    } else {
                        try await browser.get("/signin")
                    }
                    let path = Self.path(for: route.pattern)
                    let response = switch route.method {
                    case .get: try await browser.get(path)
                    case .post: try await browser.post(path)
                    default: try await browser.send(route.method, path, headers: [("X-CSRF-Token", browser.csrf ?? ""), ("Origin", "http://localhost")], body: [])
                    }
                    #expect(response.status.code == row[column], "\(key) as \(username ?? "anonymous"): \(response.status)")
                    if username == nil, response.status.code == 303, route.permission as? Permission != .anonymous {
                        #expect(response.location?.hasPrefix("/signin?next=") == true, "\(key) as anonymous")
                    }
                }
            }
            for (request, row) in Self.hostGrantRows {
                let parts = request.split(separator: " ")
                for (column, username) in columns.enumerated() {
                    let browser = TestBrowser(app, address: "10.0.1.\(column + 1)")
                    if let username { try await browser.signIn(username) }
                    let response = try await browser.get(String(parts[1]))
                    #expect(response.status.code == row[column], "\(request) as \(username ?? "anonymous"): \(response.status)")
                }
            }
            let denials = try await app.auditRows("auth.denied")
            #expect(denials.count >= 20)
        }
    }

    @Test func theDockerEndpointAnswersEachTokenAsTheTableSays() async throws {
        try await withApp { app in
            var tokens: [String?] = [nil]
            for (name, role) in [("vic", Role.viewer), ("olga", .operator), ("root", .admin)] {
                let user = try await app.user(name, role)
                tokens.append(try await app.accounts.createToken(
                    userID: user.id, name: "t", role: nil, expiresInDays: nil, by: cliActor).secret)
            }
            for name in ["alpha", "beta", "gamma"] {
                try await app.app.hosts.registry.create(HostInput(name: name, url: "unix:///nowhere/\(name).sock"), by: cliActor)
            }
            try await app.app.database.write { connection in
                try Grants.set(.viewer, user: 1, host: 1, on: connection)
                try Grants.set(.operator, user: 2, host: 1, on: connection)
            }
            func status(_ method: HTTPMethod, _ target: String, body: String = "", token: String?, headers: HTTPHeaders = [:]) async throws -> Int {
                var all: HTTPHeaders = ["Host": "localhost", "Content-Type": "application/json"]
                for (name, value) in headers { all.add(name, value) }
                if let token { all.add("Authorization", "Bearer " + token) }
                return try await app.respond(HTTPRequest.make(method, target, headers: all, body: Array(body.utf8))).status.code
            }
            for (row, expected) in Self.dockerTokenRows {
                let parts = row.split(separator: " ", maxSplits: 2).map(String.init)
                let method = HTTPMethod(parts[0])
                for (column, token) in tokens.enumerated() {
                    let code = try await status(method, "/api/v1/hosts/1/docker" + parts[1], body: parts.count > 2 ? parts[2] : "", token: token)
                    #expect(code == expected[column], "\(row) as column \(column): \(code)")
                }
            }
            // Hosts by name; an ungranted host; an unknown one; an upgrade (forwarded: the engine is unreachable).
            for (path, expected) in [("/api/v1/hosts/alpha/docker/_ping", [401, 502, 502, 502]),
                                     ("/api/v1/hosts/3/docker/_ping", [401, 403, 403, 502]),
                                     ("/api/v1/hosts/nope/docker/_ping", [401, 403, 403, 404])] {
                for (column, token) in tokens.enumerated() {
                    #expect(try await status(.get, path, token: token) == expected[column], "\(path) as column \(column)")
                }
            }
            for (column, token) in tokens.enumerated() {
                let code = try await status(.post, "/api/v1/hosts/1/docker/v1.41/containers/x/attach?stream=1", token: token,
                                            headers: ["Connection": "Upgrade", "Upgrade": "tcp"])
                #expect(code == [401, 403, 502, 502][column], "attach with Upgrade as column \(column)")
            }
            await app.app.endpointAudit.flush()
            let rows = try await app.app.database.read { connection in
                try connection.query("SELECT action, outcome FROM audit_log WHERE source = 'docker'")
            }
            #expect(rows.count >= Self.dockerTokenRows.count * 3, "every token call has its docker row")
        }
    }

    /// Issue 10, item 1: the account routes (`/profile` and everything under it) take a browser
    /// session only. An admin's API token, sent as `Authorization: Bearer`, gets 403 and an
    /// `auth.denied` row on each of them, before any handler runs.
    static let bearerOnAccountRoutes: [String: Int] = [
        "GET /profile": 403,
        "POST /profile/password": 403,
        "POST /profile/sessions/:id/revoke": 403,
        "POST /profile/tokens": 403,
        "POST /profile/tokens/:id/revoke": 403,
        "GET /profile/totp": 403,
        "POST /profile/totp": 403,
        "POST /profile/totp/start": 403,
        "POST /profile/totp/remove": 403,
    ]

    @Test func aBearerTokenOnAnAccountRouteIs403() async throws {
        try await withApp { app in
            let root = try await app.user("root", .admin)
            let token = try await app.accounts.createToken(userID: root.id, name: "ci", role: .admin, expiresInDays: nil, by: cliActor)
            let account = app.app.responder.router.routes.filter { $0.pattern == "/profile" || $0.pattern.hasPrefix("/profile/") }
            for route in account where Self.bearerOnAccountRoutes["\(route.method) \(route.pattern)"] == nil {
                Issue.record("account route \(route.method) \(route.pattern) has no row in bearerOnAccountRoutes")
            }
            for route in account {
                let key = "\(route.method) \(route.pattern)"
                guard let expected = Self.bearerOnAccountRoutes[key] else { continue }
                let before = try await app.auditRows("auth.denied").count
                let response = try await app.respond(HTTPRequest.make(route.method, Self.path(for: route.pattern), headers: [
                    "Host": "localhost", "Authorization": "Bearer \(token.secret)", "Content-Type": "application/x-www-form-urlencoded",
                ], body: Array("name=x&role=admin&current=a+long+enough+password".utf8)))
                #expect(response.status.code == expected, "\(key) with a bearer token: \(response.status)")
                #expect(try await app.auditRows("auth.denied").count == before + 1, "\(key): one auth.denied row")
            }
            #expect(try await app.app.database.read { connection in try APITokenStore.list(userID: root.id, on: connection) }.count == 1)
        }
    }

    @Test func aRouteWithoutAWharfPermissionIsRefused() async throws {
        struct Foreign: RoutePermission { var description: String { "foreign" } }
        var builder = RouterBuilder()
        builder.add(.get, "/x", permission: Foreign()) { _, _ in .text("open") }
        let accounts = try await testAccounts()
        let responder = HTTPResponder(router: try builder.build(), middleware: [
            AuthenticationMiddleware(services: accounts), AuthorizationMiddleware(services: accounts),
        ])
        var context = RequestContext(requestID: "t")
        responder.route(HTTPRequest.make(.get, "/x").head, into: &context)
        await #expect(throws: HTTPError.self) { try await responder.respond(to: HTTPRequest.make(.get, "/x"), context: context) }
        await accounts.database.close()
    }
}
