import Glibc
package import WharfHTTP
package import WharfIO
package import WharfSQLite

/// The hosts machinery the pages, the API and the CLI share: the registry (rows, sealing, audit),
/// the cached clients, the in-memory health and its checker.
package struct HostServices: Sendable {
    package let registry: HostRegistry
    package let clients: HostClients
    package let health: HostHealth
    package let checker: HostHealthChecker
    /// The local engine's socket the dashboard offers to register.
    package let localDockerSocket: String

    package init(
        database: Database, secretKey: SecretKey, group: EventLoopGroup, time: TimeSource = .system,
        checkInterval: Double = 30, probeTimeout: Double = 3, localDockerSocket: String = "/var/run/docker.sock"
    ) {
        registry = HostRegistry(database: database, secretKey: secretKey, time: time)
        clients = HostClients(group: group, registry: registry, probeTimeout: probeTimeout)
        health = HostHealth()
        checker = HostHealthChecker(
            registry: registry, clients: clients, health: health, interval: .milliseconds(Int64(checkInterval * 1000)))
        self.localDockerSocket = localDockerSocket
    }

    /// Whether the local socket exists (and is a socket).
    package var localSocketExists: Bool {
        var info = stat()
        return stat(localDockerSocket, &info) == 0 && (info.st_mode & S_IFMT) == S_IFSOCK
    }

    /// The scope of a host-scoped route for `principal` (see ``HostScope``).
    package func scope(_ reference: String, for principal: Principal, context: RequestContext? = nil) async throws -> HostScope? {
        try await scope(reference, for: principal, known: context?.hostGrantRead)
    }

    /// The scope of `reference` for `principal` from `known`, read already, when it answers that.
    func scope(_ reference: String, for principal: Principal, known: HostGrantRead?) async throws -> HostScope? {
        try await HostScope.resolve(reference, for: principal, database: registry.database, clients: clients, known: known)
    }
}
