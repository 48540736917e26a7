import WharfWire
import WharfHTTP
import WharfSQLite

/// What an admin may enable, per host, beyond the operators' allowlist of the Docker endpoint.
/// Each is refused to everyone (admins included) until enabled on the host's docker CLI page.
enum EndpointCapability: String, Sendable, CaseIterable, Comparable {
    /// `/plugins/…`: plugins run with host privileges.
    case plugins
    /// `/swarm`, `/nodes`, `/services`, `/tasks`, `/secrets`, `/configs`.
    case cluster
    /// `/session` and `/grpc` (BuildKit). Needs connection upgrades, which the endpoint does not forward yet.
    case buildKit = "buildkit"
    /// `POST /build?remote=…` and `POST /images/create?fromSrc=<URL>`: the engine fetches a URL.
    case remoteBuild = "remote-build"
    /// Lifts the body checks: privileged containers, host namespaces, devices, host paths,
    /// capabilities beyond the default set; builds with `networkmode=host` or a `cgroupparent`.
    case hostAccess = "host-access"

    var label: String {
        switch self {
        case .plugins: "Plugins (/plugins)"
        case .cluster: "Swarm, nodes, services, tasks, secrets and configs"
        case .buildKit: "BuildKit sessions (/session, /grpc)"
        case .remoteBuild: "Builds and imports from a URL (build remote=, images/create fromSrc=)"
        case .hostAccess: "Host access: privileged containers, host namespaces, devices, host paths, extra capabilities"
        }
    }

    static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }

    /// Parses the stored list; unknown names (from a newer version) are ignored, never widened.
    static func parse(_ text: String) -> Set<EndpointCapability> {
        Set(text.split(separator: ",").compactMap { EndpointCapability(rawValue: String($0.trimmingASCIISpaces())) })
    }

    static func text(_ set: Set<EndpointCapability>) -> String {
        set.sorted().map(\.rawValue).joined(separator: ",")
    }
}

/// SQL for `docker_endpoint_settings`.
enum EndpointSettingsRepository {
    static func capabilities(hostID: Int64, on connection: SQLiteConnection) throws -> Set<EndpointCapability> {
        let text = try connection.queryValue(
            "SELECT capabilities FROM docker_endpoint_settings WHERE host_id = ?", [.integer(hostID)], as: String.self)
        return EndpointCapability.parse(text ?? "")
    }

    static func set(_ capabilities: Set<EndpointCapability>, hostID: Int64, now: Int64, on connection: SQLiteConnection) throws {
        try connection.execute(
            """
            INSERT INTO docker_endpoint_settings (host_id, capabilities, updated_ms) VALUES (?, ?, ?)
            ON CONFLICT (host_id) DO UPDATE SET capabilities = excluded.capabilities, updated_ms = excluded.updated_ms
            """, [.integer(hostID), .text(EndpointCapability.text(capabilities)), .integer(now)])
    }
}
