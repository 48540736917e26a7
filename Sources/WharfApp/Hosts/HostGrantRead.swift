import WharfHTTP
import WharfSQLite

/// The host a host-scoped route names (`:host`, an id or a name) and what the caller holds on
/// it: the grant (non-admins) or the Docker endpoint's setting for the host (admins, on the
/// endpoint). One read gives it; an API call with a bearer token gets it in the same read as the
/// token (``AuthenticationMiddleware``), so the call costs one trip to a reader, not two.
struct HostGrantRead: Sendable {
    /// The `:host` parameter it answers.
    let reference: String
    /// Whom it was read for.
    let userID: Int64
    /// Nil when no host has that id or name.
    let host: DockerHost?
    /// The caller's grant on `host`; nil for admins, and for users without one.
    let grant: HostRole?
    /// The endpoint's setting for `host`, read for admins on the endpoint only.
    let capabilities: Set<EndpointCapability>

    /// Reads `reference` for `userID`, whose effective role is admin when `admin`; the endpoint
    /// setting too when `endpoint`.
    static func read(
        _ reference: String, userID: Int64, admin: Bool, endpoint: Bool, on connection: SQLiteConnection
    ) throws -> HostGrantRead {
        guard let host = try HostRepository.find(reference: reference, on: connection) else {
            return HostGrantRead(reference: reference, userID: userID, host: nil, grant: nil, capabilities: [])
        }
        return HostGrantRead(
            reference: reference, userID: userID, host: host,
            grant: admin ? nil : try Grants.role(user: userID, host: host.id, on: connection),
            capabilities: admin && endpoint ? try EndpointSettingsRepository.capabilities(hostID: host.id, on: connection) : [])
    }

    /// Whether this read answers `reference` for `principal`.
    func answers(_ reference: String, for principal: Principal) -> Bool {
        self.reference == reference && userID == principal.userID
    }
}

private enum HostGrantReadKey: ContextKey { typealias Value = HostGrantRead }

extension RequestContext {
    /// The route's host as read with the caller's token; set by ``AuthenticationMiddleware``.
    var hostGrantRead: HostGrantRead? {
        get { self[HostGrantReadKey.self] }
        set { self[HostGrantReadKey.self] = newValue }
    }
}
