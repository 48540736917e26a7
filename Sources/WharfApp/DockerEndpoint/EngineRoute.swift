import WharfHTTP

/// One Engine API call the Docker endpoint knows: method, path template (as in the v1.41 spec,
/// `../shared/docker-api/v1.41.yaml`), the audit action, who may make it and what its body is.
/// A call that matches no ``EngineRoute`` is refused (fail-closed), whoever asks.
struct EngineRoute: Sendable {
    /// Who may make a call.
    enum Access: Sendable, Equatable {
        /// Viewers, operators and admins: lists, inspect, logs, stats, top, events, version, info, df.
        case read
        /// Operators and admins: containers, images, volumes, networks, exec, attach, build, pull, push.
        case operate
        /// Admins only, and only on hosts where an admin enabled `capability` (``EndpointCapability``).
        case admin(EndpointCapability)
    }

    /// What the request body is.
    enum Body: Sendable, Equatable {
        /// Forwarded as it streams (build contexts, tars, or nothing).
        case streamed
        /// JSON read whole (at most ``EngineBodyCheck/maximumBytes``), decoded as the engine does,
        /// checked for operators, and forwarded as Wharf re-serialised it.
        case checked(EngineBodyCheck.Kind)
        /// Secrets (registry passwords, swarm join tokens, secret and config data): streamed, and
        /// neither the body nor its digest reaches the audit.
        case secret
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        /// One path segment (a container, volume, network or exec id).
        case parameter
        /// One or more segments: an image, plugin or distribution name such as `registry:5000/a/b`.
        case name
    }

    let method: HTTPMethod
    let template: String
    let action: String
    let access: Access
    let body: Body
    /// The query parameter naming the target when the path has none (`name` of a create).
    let targetQuery: String?
    let segments: [Segment]

    init(
        _ method: HTTPMethod, _ template: String, _ action: String, _ access: Access, body: Body = .streamed,
        target: String? = nil
    ) {
        self.method = method
        self.template = template
        self.action = action
        self.access = access
        self.body = body
        self.targetQuery = target
        segments = template.split(separator: "/").map { part in
            switch part {
            case "{name}": .name
            case let text where text.hasPrefix("{"): .parameter
            default: .literal(String(part))
            }
        }
    }

    /// `POST /containers/{id}/start`: how the audit and refusals name the call.
    var call: String { "\(method) \(template)" }

    /// The target named by `path` (decoded segments, without the version) when this route matches it.
    /// - Returns: nil when it does not match; `.some(nil)` when it matches and names no target.
    func match(_ path: [String]) -> String?? {
        guard let nameIndex = segments.firstIndex(of: .name) else {
            guard path.count == segments.count else { return nil }
            var target: String?
            for (segment, value) in zip(segments, path) {
                switch segment {
                case .literal(let text): if text != value { return nil }
                case .parameter, .name: target = value
                }
            }
            return .some(target)
        }
        // A name spans every segment between the literal prefix and the literal suffix, as the
        // engine's `{name:.*}` routes do.
        let suffix = segments.count - nameIndex - 1
        guard path.count >= segments.count else { return nil }
        for (segment, value) in zip(segments[..<nameIndex], path[..<nameIndex]) where segment != .literal(value) { return nil }
        for (segment, value) in zip(segments.suffix(suffix), path.suffix(suffix)) where segment != .literal(value) { return nil }
        return .some(path[nameIndex..<(path.count - suffix)].joined(separator: "/"))
    }
}

/// The allowlist: every call of Engine API v1.41 the endpoint forwards, in match order (literal
/// routes before the parameter routes they would otherwise collide with).
enum EngineRoutes {
    static let all: [EngineRoute] = [
        // System.
        EngineRoute(.get, "/_ping", "system.ping", .read),
        EngineRoute(.head, "/_ping", "system.ping", .read),
        EngineRoute(.get, "/version", "system.version", .read),
        EngineRoute(.get, "/info", "system.info", .read),
        EngineRoute(.get, "/system/df", "system.df", .read),
        EngineRoute(.get, "/events", "system.events", .read),
        EngineRoute(.post, "/auth", "system.auth", .operate, body: .secret),
        // Containers.
        EngineRoute(.get, "/containers/json", "container.list", .read),
        EngineRoute(.post, "/containers/create", "container.create", .operate, body: .checked(.containerCreate), target: "name"),
        EngineRoute(.post, "/containers/prune", "container.prune", .operate),
        EngineRoute(.get, "/containers/{id}/json", "container.inspect", .read),
        EngineRoute(.get, "/containers/{id}/top", "container.top", .read),
        EngineRoute(.get, "/containers/{id}/logs", "container.logs", .read),
        EngineRoute(.get, "/containers/{id}/changes", "container.changes", .read),
        EngineRoute(.get, "/containers/{id}/stats", "container.stats", .read),
        EngineRoute(.get, "/containers/{id}/export", "container.export", .operate),
        EngineRoute(.post, "/containers/{id}/resize", "container.resize", .operate),
        EngineRoute(.post, "/containers/{id}/start", "container.start", .operate),
        EngineRoute(.post, "/containers/{id}/stop", "container.stop", .operate),
        EngineRoute(.post, "/containers/{id}/restart", "container.restart", .operate),
        EngineRoute(.post, "/containers/{id}/kill", "container.kill", .operate),
        EngineRoute(.post, "/containers/{id}/update", "container.update", .operate, body: .checked(.containerUpdate)),
        EngineRoute(.post, "/containers/{id}/rename", "container.rename", .operate),
        EngineRoute(.post, "/containers/{id}/pause", "container.pause", .operate),
        EngineRoute(.post, "/containers/{id}/unpause", "container.unpause", .operate),
        EngineRoute(.post, "/containers/{id}/attach", "container.attach", .operate),
        EngineRoute(.get, "/containers/{id}/attach/ws", "container.attach", .operate),
        EngineRoute(.post, "/containers/{id}/wait", "container.wait", .operate),
        EngineRoute(.delete, "/containers/{id}", "container.remove", .operate),
        EngineRoute(.head, "/containers/{id}/archive", "container.archive.stat", .operate),
        EngineRoute(.get, "/containers/{id}/archive", "container.archive.get", .operate),
        EngineRoute(.put, "/containers/{id}/archive", "container.archive.put", .operate),
        EngineRoute(.post, "/containers/{id}/exec", "exec.create", .operate, body: .checked(.execCreate)),
        // Exec.
        EngineRoute(.post, "/exec/{id}/start", "exec.start", .operate),
        EngineRoute(.post, "/exec/{id}/resize", "exec.resize", .operate),
        EngineRoute(.get, "/exec/{id}/json", "exec.inspect", .operate),
        // Images.
        EngineRoute(.get, "/images/json", "image.list", .read),
        EngineRoute(.get, "/images/search", "image.search", .read),
        EngineRoute(.get, "/images/get", "image.save", .operate, target: "names"),
        EngineRoute(.post, "/images/create", "image.pull", .operate, target: "fromImage"),
        EngineRoute(.post, "/images/load", "image.load", .operate),
        EngineRoute(.post, "/images/prune", "image.prune", .operate),
        EngineRoute(.get, "/images/{name}/json", "image.inspect", .read),
        EngineRoute(.get, "/images/{name}/history", "image.history", .read),
        EngineRoute(.get, "/images/{name}/get", "image.save", .operate),
        EngineRoute(.post, "/images/{name}/push", "image.push", .operate),
        EngineRoute(.post, "/images/{name}/tag", "image.tag", .operate),
        EngineRoute(.delete, "/images/{name}", "image.remove", .operate),
        EngineRoute(.post, "/build", "image.build", .operate, target: "t"),
        EngineRoute(.post, "/build/prune", "image.build.prune", .operate),
        EngineRoute(.post, "/commit", "image.commit", .operate, target: "container"),
        EngineRoute(.get, "/distribution/{name}/json", "image.distribution", .operate),
        // Volumes.
        EngineRoute(.get, "/volumes", "volume.list", .read),
        EngineRoute(.post, "/volumes/create", "volume.create", .operate, body: .checked(.volumeCreate)),
        EngineRoute(.post, "/volumes/prune", "volume.prune", .operate),
        EngineRoute(.get, "/volumes/{name}", "volume.inspect", .read),
        EngineRoute(.delete, "/volumes/{name}", "volume.remove", .operate),
        // Networks.
        EngineRoute(.get, "/networks", "network.list", .read),
        EngineRoute(.post, "/networks/create", "network.create", .operate),
        EngineRoute(.post, "/networks/prune", "network.prune", .operate),
        EngineRoute(.get, "/networks/{id}", "network.inspect", .read),
        EngineRoute(.delete, "/networks/{id}", "network.remove", .operate),
        EngineRoute(.post, "/networks/{id}/connect", "network.connect", .operate),
        EngineRoute(.post, "/networks/{id}/disconnect", "network.disconnect", .operate),
    ] + adminRoutes

    /// Calls that give control of the engine's host or cluster: admins only, per host setting.
    static let adminRoutes: [EngineRoute] = [
        EngineRoute(.get, "/plugins", "plugin.list", .admin(.plugins)),
        EngineRoute(.get, "/plugins/privileges", "plugin.privileges", .admin(.plugins)),
        EngineRoute(.post, "/plugins/pull", "plugin.pull", .admin(.plugins), target: "remote"),
        EngineRoute(.post, "/plugins/create", "plugin.create", .admin(.plugins), target: "name"),
        EngineRoute(.get, "/plugins/{name}/json", "plugin.inspect", .admin(.plugins)),
        EngineRoute(.delete, "/plugins/{name}", "plugin.remove", .admin(.plugins)),
        EngineRoute(.post, "/plugins/{name}/enable", "plugin.enable", .admin(.plugins)),
        EngineRoute(.post, "/plugins/{name}/disable", "plugin.disable", .admin(.plugins)),
        EngineRoute(.post, "/plugins/{name}/upgrade", "plugin.upgrade", .admin(.plugins)),
        EngineRoute(.post, "/plugins/{name}/push", "plugin.push", .admin(.plugins)),
        EngineRoute(.post, "/plugins/{name}/set", "plugin.set", .admin(.plugins)),
        EngineRoute(.get, "/swarm", "swarm.inspect", .admin(.cluster)),
        EngineRoute(.post, "/swarm/init", "swarm.init", .admin(.cluster), body: .secret),
        EngineRoute(.post, "/swarm/join", "swarm.join", .admin(.cluster), body: .secret),
        EngineRoute(.post, "/swarm/leave", "swarm.leave", .admin(.cluster)),
        EngineRoute(.post, "/swarm/update", "swarm.update", .admin(.cluster)),
        EngineRoute(.get, "/swarm/unlockkey", "swarm.unlockkey", .admin(.cluster)),
        EngineRoute(.post, "/swarm/unlock", "swarm.unlock", .admin(.cluster), body: .secret),
        EngineRoute(.get, "/nodes", "node.list", .admin(.cluster)),
        EngineRoute(.get, "/nodes/{id}", "node.inspect", .admin(.cluster)),
        EngineRoute(.delete, "/nodes/{id}", "node.remove", .admin(.cluster)),
        EngineRoute(.post, "/nodes/{id}/update", "node.update", .admin(.cluster)),
        EngineRoute(.get, "/services", "service.list", .admin(.cluster)),
        EngineRoute(.post, "/services/create", "service.create", .admin(.cluster)),
        EngineRoute(.get, "/services/{id}", "service.inspect", .admin(.cluster)),
        EngineRoute(.delete, "/services/{id}", "service.remove", .admin(.cluster)),
        EngineRoute(.post, "/services/{id}/update", "service.update", .admin(.cluster)),
        EngineRoute(.get, "/services/{id}/logs", "service.logs", .admin(.cluster)),
        EngineRoute(.get, "/tasks", "task.list", .admin(.cluster)),
        EngineRoute(.get, "/tasks/{id}", "task.inspect", .admin(.cluster)),
        EngineRoute(.get, "/tasks/{id}/logs", "task.logs", .admin(.cluster)),
        EngineRoute(.get, "/secrets", "secret.list", .admin(.cluster)),
        EngineRoute(.post, "/secrets/create", "secret.create", .admin(.cluster), body: .secret),
        EngineRoute(.get, "/secrets/{id}", "secret.inspect", .admin(.cluster)),
        EngineRoute(.delete, "/secrets/{id}", "secret.remove", .admin(.cluster)),
        EngineRoute(.post, "/secrets/{id}/update", "secret.update", .admin(.cluster), body: .secret),
        EngineRoute(.get, "/configs", "config.list", .admin(.cluster)),
        EngineRoute(.post, "/configs/create", "config.create", .admin(.cluster), body: .secret),
        EngineRoute(.get, "/configs/{id}", "config.inspect", .admin(.cluster)),
        EngineRoute(.delete, "/configs/{id}", "config.remove", .admin(.cluster)),
        EngineRoute(.post, "/configs/{id}/update", "config.update", .admin(.cluster), body: .secret),
        EngineRoute(.post, "/session", "buildkit.session", .admin(.buildKit)),
        EngineRoute(.post, "/grpc", "buildkit.grpc", .admin(.buildKit)),
    ]

    /// The first route for `method` matching the decoded `path`, and the target it names.
    static func match(_ method: HTTPMethod, _ path: [String]) -> (route: EngineRoute, target: String?)? {
        for route in all where route.method == method {
            if let target = route.match(path) { return (route, target) }
        }
        return nil
    }
}
