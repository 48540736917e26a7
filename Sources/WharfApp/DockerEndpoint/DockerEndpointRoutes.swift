import WharfWire
import WharfSQLite
import WharfDocker
import WharfHTTP

/// The Docker endpoint: `/api/v1/hosts/:host/docker/*path`, a Docker base path for the docker
/// CLI and SDKs (`DOCKER_HOST=tcp://wharf:8080/api/v1/hosts/engine-b/docker`), for every method the
/// Engine API uses. Each call:
///
/// ```
/// AuthenticationMiddleware  Authorization: Bearer only (cookies are not read for this prefix)
/// AuthorizationMiddleware   .dockerEndpoint: a token, and a grant on the host (admins: any host)
/// handle                    host → target (decoded as the engine does) → no token in the query
///                           → allowlist (EngineRoutes) → policy (role, host setting, query)
///                           → upgrade? → body (streamed, or checked and re-serialised)
/// DockerEndpointSession     attach, exec start: the engine's 101, then raw bytes both ways
/// DockerEndpointForwarder   the engine's status and headers at once, the body chunk by chunk
/// EndpointCall              one audit row when the call ends, through EndpointAuditQueue
/// ```
///
/// Refusals are `{"message": "…"}` (``ErrorPages`` answers this prefix that way), which the CLI
/// prints as `Error response from daemon: …`.
struct DockerEndpointRoutes {
    let hosts: HostServices
    let accounts: AccountServices
    let queue: EndpointAuditQueue

    static let pattern = "/api/v1/hosts/:host/docker/*path"
    static let methods: [HTTPMethod] = [.get, .head, .post, .put, .delete]

    func register(into router: inout RouterBuilder) {
        for method in Self.methods {
            // No route limit: build contexts and image tars stream through; checked JSON bodies
            // have their own (EngineBodyCheck.maximumBytes).
            router.add(method, Self.pattern, permission: Permission.dockerEndpoint, maxBodyBytes: Int.max) { request, context in
                try await handle(request, context)
            }
        }
    }

    /// Whether `path` is under the endpoint (errors there are answered as the engine would).
    static func owns(_ path: String) -> Bool {
        guard path.hasPrefix("/api/v1/hosts/") else { return false }
        // "", "api", "v1", "hosts", host, "docker", rest
        let parts = path.utf8.split(separator: UInt8(ascii: "/"), maxSplits: 6, omittingEmptySubsequences: false)
        return parts.count >= 6 && parts[5].elementsEqual("docker".utf8)
    }

    private func handle(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let rawPath = context.parameters["path"] ?? ""
        guard let principal = context.principal, case .token = principal.credential else {
            throw HTTPError(.unauthorized, "Wharf's Docker endpoint takes only an API token, as `Authorization: Bearer <token>`.")
        }
        // Everything the decision needs: the host, and the caller's grant on it (others) or the
        // host's endpoint setting (admins), read with the token (``HostGrantRead``).
        let reference = context.parameters["host"] ?? ""
        let admin = principal.isAdmin
        let read: HostGrantRead
        if let known = context.hostGrantRead, known.answers(reference, for: principal) {
            read = known
        } else {
            read = try await accounts.database.read { connection in
                try HostGrantRead.read(reference, userID: principal.userID, admin: admin, endpoint: true, on: connection)
            }
        }
        let (host, grant, capabilities) = (read.host, read.grant, read.capabilities)
        let call = EndpointCall(context: context, method: request.method, path: "/" + rawPath, hostID: host?.id, queue: queue)
        /// Refuses the call with `status`, audited.
        func refuse(_ status: HTTPStatus, _ message: String, rule: String, outcome: AuditOutcome = .denied) -> HTTPError {
            call.finish(status: status.code, outcome: outcome, error: rule)
            return HTTPError(status, message)
        }
        guard let host else {
            // Only admins learn that a host does not exist; others get the answer an ungranted host gets.
            guard admin else { throw refuse(.forbidden, "You have no access to this host, or it does not exist.", rule: "no grant on host") }
            throw refuse(.notFound, "Wharf has no host \(context.parameters["host"] ?? ""); check the name in DOCKER_HOST.",
                         rule: "unknown host", outcome: .failed)
        }
        let target: EngineTarget
        do {
            target = try EngineTarget(rawPath: rawPath, rawQuery: request.query)
        } catch {
            throw refuse(.badRequest, error.message, rule: "malformed target", outcome: .failed)
        }
        if target.carriesToken {
            throw refuse(.unauthorized, "Wharf refuses tokens in the address: send the token only as `Authorization: Bearer <token>` "
                         + "(config.json HttpHeaders), and revoke one that was sent in a URL.", rule: "token in query")
        }
        guard let access = Self.access(principal, grant: grant) else {
            throw refuse(.forbidden, "You have no access to \(host.name).", rule: "no grant on host")
        }
        let policy = EndpointPolicy(access: access, hostName: host.name, capabilities: capabilities)
        guard let (route, pathTarget) = EngineRoutes.match(request.method, target.segments) else {
            let refusal = policy.unlisted(method: request.method.rawValue, path: target.path)
            throw refuse(.forbidden, refusal.message, rule: refusal.rule)
        }
        call.matched(route, target: pathTarget ?? route.targetQuery.flatMap(target.value))
        if let refusal = policy.refusal(for: route, target: target) {
            throw refuse(.forbidden, refusal.message, rule: refusal.rule)
        }
        if Self.asksForUpgrade(request), DockerEndpointSession.hijacking.contains(route.template) {
            // Attach and exec start: the engine's 101, then the raw stream both ways. (An Upgrade
            // on any other call is ignored, as HTTP allows: the call is forwarded as usual.)
            guard !request.upgradeProtocols.isEmpty, let upgrade = request.headers["Upgrade"] else {
                throw refuse(.badRequest, "Wharf refused \(route.call): a stream needs HTTP/1.1 with `Connection: Upgrade` and `Upgrade`.",
                             rule: "malformed upgrade", outcome: .failed)
            }
            let bytes: [UInt8]
            do {
                bytes = try await request.body.collect(upTo: EngineBodyCheck.maximumBytes)
            } catch HTTPParseError.bodyTooLarge {
                throw refuse(.contentTooLarge, "Wharf refused \(route.call): its body may be at most 1 MiB.", rule: "body over 1 MiB")
            } catch {
                call.finish(status: HTTPStatus.badRequest.code, outcome: .failed, error: "the request body did not arrive: \(error)")
                throw error
            }
            call.forwarded(body: bytes)
            let client = try await hosts.clients.client(for: host)
            return try await DockerEndpointSession(call: call, hostName: host.name).forward(
                request, upgrade: upgrade, route: route, target: target, body: bytes, client: client)
        }
        let body: DockerRequestBody
        var meter: BodyMeter?
        switch route.body {
        case .checked(let kind):
            body = try await checkedBody(request, kind: kind, route: route, policy: policy, call: call, refuse: refuse)
        case .streamed, .secret:
            meter = BodyMeter()
            body = Self.streamedBody(request, meter: meter ?? BodyMeter())
        }
        let forwarder = DockerEndpointForwarder(call: call, meter: meter, hostName: host.name)
        return try await forwarder.forward(
            request, route: route, target: target, body: body, client: try await hosts.clients.client(for: host))
    }

    /// The caller's role on a host given their grant there; nil without one.
    static func access(_ principal: Principal, grant: HostRole?) -> EndpointPolicy.HostAccess? {
        if principal.isAdmin { return .admin }
        guard let grant else { return nil }
        return principal.role == .viewer || grant == .viewer ? .viewer : .operator
    }

    /// The one place that decides whether a request asks to switch protocols (attach, exec start,
    /// `/session`, websockets): an `Upgrade` header, or `Upgrade` among the `Connection` options.
    static func asksForUpgrade(_ request: HTTPRequest) -> Bool {
        request.headers.contains("Upgrade") || request.headers.hasToken("upgrade", in: "Connection")
    }

    /// Reads a JSON body whole (at most 1 MiB), decodes it as the engine does, checks it, and
    /// returns Wharf's own serialisation of what it checked. An empty body — `Content-Length: 0`,
    /// chunked with no data, or none — goes the same way and is forwarded empty.
    private func checkedBody(
        _ request: HTTPRequest, kind: EngineBodyCheck.Kind, route: EngineRoute, policy: EndpointPolicy, call: EndpointCall,
        refuse: (HTTPStatus, String, String, AuditOutcome) -> HTTPError
    ) async throws -> DockerRequestBody {
        let bytes: [UInt8]
        do {
            bytes = try await request.body.collect(upTo: EngineBodyCheck.maximumBytes)
        } catch HTTPParseError.bodyTooLarge {
            throw refuse(.contentTooLarge, "Wharf refused \(route.call): a JSON body may be at most 1 MiB.", "body over 1 MiB", .denied)
        }
        let normalized: JSONText?
        do {
            normalized = try EngineBodyCheck.normalize(bytes, kind: kind)
        } catch {
            throw refuse(.badRequest, "Wharf refused \(route.call): \(error.description).", "malformed JSON body", .failed)
        }
        guard let normalized else {
            // The engine would fail on it (EOF, a 500); nothing to check, nothing to forward.
            throw refuse(.badRequest, "Wharf refused \(route.call): the JSON body is empty.", "empty JSON body", .failed)
        }
        if policy.checksBodies, let violation = EngineBodyCheck.violation(in: normalized, kind: kind) {
            let refusal = policy.refusal(for: route, violation: violation)
            throw refuse(.forbidden, refusal.message, refusal.rule, .denied)
        }
        let forwarded = normalized.serialized
        call.forwarded(body: forwarded)
        return .bytes(forwarded, contentType: "application/json")
    }

    /// The client's body as it streams (framed as the client framed it), counted and digested.
    static func streamedBody(_ request: HTTPRequest, meter: BodyMeter) -> DockerRequestBody {
        let type = request.headers["Content-Type"] ?? "application/octet-stream"
        switch request.head.framing {
        case .none: return .empty
        case .length(let length):
            return length == 0 ? .empty : .stream(DockerByteChunks(MeteredBody(base: request.body, meter: meter)), contentType: type, length: length)
        case .chunked:
            return .stream(DockerByteChunks(MeteredBody(base: request.body, meter: meter)), contentType: type, length: nil)
        }
    }
}
