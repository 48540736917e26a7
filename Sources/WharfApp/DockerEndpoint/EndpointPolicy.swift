/// Who may make which Engine API call on a host, decided before anything is forwarded. Fail-closed:
/// a call not on the allowlist (``EngineRoutes``) is refused to everyone; a call on it needs the
/// role its ``EngineRoute/Access`` names on this host, and the host capabilities it touches.
struct EndpointPolicy: Sendable {
    /// The caller's role on the host: admins everywhere; others by their grant, capped by the
    /// token's role (a viewer token of an operator only reads).
    enum HostAccess: Sendable, Equatable, CustomStringConvertible {
        case viewer, `operator`, admin

        var description: String {
            switch self {
            case .viewer: "viewers"
            case .operator: "operators"
            case .admin: "admins"
            }
        }
    }

    /// A refusal: the rule it applied (for the audit) and the message the client shows.
    struct Refusal: Error, Equatable {
        let rule: String
        let message: String
    }

    let access: HostAccess
    let hostName: String
    /// What admins may do on this host beyond the operators' list (loaded only when needed).
    let capabilities: Set<EndpointCapability>

    /// Whether the operators' body checks apply to this caller.
    var checksBodies: Bool { !(access == .admin && capabilities.contains(.hostAccess)) }

    /// The message prefix every refusal shares: what was refused, where.
    private func refused(_ call: String) -> String { "Wharf refused \(call) on \(hostName): " }

    /// Checks `route` (with its query) for this caller; nil when allowed.
    func refusal(for route: EngineRoute, target: EngineTarget) -> Refusal? {
        switch route.access {
        case .read:
            break
        case .operate:
            if access == .viewer {
                return Refusal(rule: "viewers read only", message: refused(route.call)
                    + "viewers may only read (lists, inspect, logs, stats, top, events, version, info, df). "
                    + "Ask an admin for operator access to \(hostName).")
            }
        case .admin(let capability):
            if let refusal = requireCapability(capability, call: route.call) { return refusal }
        }
        if route.template == "/build" {
            if let remote = target.query.first(where: { $0.name.lowercased() == "remote" }), !remote.value.isEmpty,
               let refusal = requireCapability(.remoteBuild, call: route.call + " with remote=") {
                return refusal
            }
            let hostNetwork = target.query.contains { $0.name.lowercased() == "networkmode" && $0.value.lowercased() == "host" }
            let cgroup = target.query.contains { $0.name.lowercased() == "cgroupparent" && !$0.value.isEmpty }
            if hostNetwork || cgroup, checksBodies {
                return Refusal(rule: "operator build check", message: refused(route.call)
                    + (hostNetwork ? "builds in the host's network namespace (networkmode=host)" : "builds under a host cgroup parent")
                    + " are not allowed for \(access). \(hostAccessHint)")
            }
        }
        if route.template == "/images/create", let source = target.value("fromSrc"), source != "-", !source.isEmpty,
           let refusal = requireCapability(.remoteBuild, call: route.call + " with fromSrc=<URL>") {
            return refusal
        }
        return nil
    }

    /// The refusal for a body check's violation.
    func refusal(for route: EngineRoute, violation: EngineBodyCheck.Violation) -> Refusal {
        Refusal(rule: "operator body check: \(violation.field)", message: refused(route.call)
            + "\(violation.field) (\(violation.reason)) is not allowed for \(access). \(hostAccessHint)")
    }

    /// The refusal of a call on no list.
    func unlisted(method: String, path: String) -> Refusal {
        Refusal(rule: "not on the allowlist", message: refused("\(method) \(path)")
            + "it is not an Engine API v1.41 call Wharf forwards (see the allowlist in README.md, Docker endpoint).")
    }

    private var hostAccessHint: String {
        access == .admin
            ? "An admin can enable \"host access\" for admins on \(hostName)'s docker CLI page."
            : "Only admins can, and only where an admin enabled \"host access\" for \(hostName)."
    }

    private func requireCapability(_ capability: EndpointCapability, call: String) -> Refusal? {
        guard access == .admin else {
            return Refusal(rule: "admins only: \(capability.rawValue)", message: refused(call)
                + "only admins may make this call, and only where an admin enabled \"\(capability.rawValue)\" for \(hostName).")
        }
        guard capabilities.contains(capability) else {
            return Refusal(rule: "host setting off: \(capability.rawValue)", message: refused(call)
                + "\"\(capability.rawValue)\" is off for \(hostName); an admin can enable it on the host's docker CLI page.")
        }
        return nil
    }
}
