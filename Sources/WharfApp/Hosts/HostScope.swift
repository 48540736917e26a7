package import WharfDocker
package import WharfHTTP
import WharfSQLite

/// What a user may do on one host.
package enum HostAccess: Int, Sendable, Comparable {
    case viewer, `operator`, admin

    package static func < (lhs: HostAccess, rhs: HostAccess) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The most a user with global `role` may do on any host, whatever the grant says: a viewer
    /// (or a viewer-role API token) never operates.
    init(ceiling role: Role) {
        switch role {
        case .admin: self = .admin
        case .operator: self = .operator
        case .viewer: self = .viewer
        }
    }

    init(_ grant: HostRole) { self = grant == .operator ? .operator : .viewer }

    /// `viewer`, `operator` or `admin`.
    package var name: String {
        switch self {
        case .viewer: "viewer"
        case .operator: "operator"
        case .admin: "admin"
        }
    }
}

/// The host a host-scoped request is about (`/hosts/:host/…`, `/api/v1/hosts/:host/…`),
/// resolved from `:host` (an id or a name) and checked against the user's grant **once**, by
/// ``AuthorizationMiddleware``, then handed to the handler through ``HostRouteGroup``.
package struct HostScope: Sendable {
    package let host: DockerHost
    package let access: HostAccess
    let clients: HostClients

    package var canOperate: Bool { access >= .operator }

    /// Runs `body` with the host's client; a `DockerError` comes out as an ``EngineError`` naming
    /// the host (and `subject`, the object's name as the user gave it), so nothing the engine
    /// does becomes a 500.
    package func engine<T: Sendable>(
        subject: String? = nil, _ body: (DockerClient) async throws -> T
    ) async throws -> T {
        let client: DockerClient
        do {
            client = try await clients.client(for: host)
        } catch let error as any PublicError {
            throw error
        } catch {
            throw HTTPError(
                .badGateway,
                "Wharf cannot build a client for \(host.name): \(error). An admin can fix the host's settings on its edit page.")
        }
        do {
            return try await body(client)
        } catch let error as DockerError {
            clients.engineErrors.record(error.metricKind)
            throw EngineError(hostName: host.name, error, subject: subject)
        }
    }

    /// Resolves `reference` for `principal`: nil when the host does not exist, or the user holds
    /// no grant on it (the two are not told apart for non-admins, so names do not leak). `known`,
    /// when it answers the same question (read with the caller's token), saves the read.
    static func resolve(
        _ reference: String, for principal: Principal, database: Database, clients: HostClients, known: HostGrantRead? = nil
    ) async throws -> HostScope? {
        let read: HostGrantRead
        if let known, known.answers(reference, for: principal) {
            read = known
        } else {
            read = try await database.readNow { connection in
                try HostGrantRead.read(reference, userID: principal.userID, admin: principal.isAdmin, endpoint: false, on: connection)
            }
        }
        guard let host = read.host, principal.isAdmin || read.grant != nil else { return nil }
        let ceiling = HostAccess(ceiling: principal.role)
        let access = read.grant.map { min(HostAccess($0), ceiling) } ?? ceiling
        return HostScope(host: host, access: access, clients: clients)
    }
}

private enum HostScopeKey: ContextKey { typealias Value = HostScope }

extension RequestContext {
    /// The resolved host of a host-scoped route; set by ``AuthorizationMiddleware``.
    package var hostScope: HostScope? {
        get { self[HostScopeKey.self] }
        set { self[HostScopeKey.self] = newValue }
    }
}
