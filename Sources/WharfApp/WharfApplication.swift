import FoundationEssentials
import Synchronization
package import WharfHTTP
package import WharfIO
package import WharfSQLite
import WharfTemplates
import WharfWire

/// Wharf, wired: templates, static files, routes, middleware and the HTTP server.
///
/// ``make(configuration:log:)`` loads and checks everything that can be wrong on disk (a template
/// syntax error stops start-up naming file, line and column; a changed migration stops it saying
/// what to do) and opens the database; ``start()`` binds the listeners.
package final class WharfApplication: Sendable {
    package let configuration: WharfConfiguration
    package let server: HTTPServer
    /// The plain listener that redirects to HTTPS (`--http-redirect`), when there is one.
    package let redirectServer: HTTPServer?
    package let database: Database
    package let audit: AuditLog
    package let accounts: AccountServices
    package let hosts: HostServices
    /// Every host's engine events, one upstream per host, shared (pages, API, Wharf's own consumers).
    package let events: EventHub
    /// Builds, pulls, pushes, loads and imports running on the server.
    package let jobs: JobRunner
    /// The Docker endpoint's audit rows, written off the request path (``EndpointAuditQueue``).
    package let endpointAudit: EndpointAuditQueue
    /// Its writer: started with the application, ended by ``shutdown()`` once the server has stopped.
    private let endpointAuditWriter: Task<Void, Never>
    package let metrics: WharfMetrics
    /// The data directory's lock (``DataDirectoryLock``), held until shutdown.
    private let directoryLock: Mutex<DataDirectoryLock?>
    /// The host health checker and the upkeep (``Upkeep``), cancelled at shutdown.
    private let backgroundTasks = Mutex<[Task<Void, Never>]>([])
    private let log: @Sendable (String) -> Void
    /// The one-time setup token issued at start-up because there are no users yet; nil otherwise.
    /// `wharf serve` prints it as `/setup?token=…`.
    package let setupToken: String?
    private let group: EventLoopGroup

    /// What tests change about accounts: a cheap password hash, a manual clock, shorter sessions.
    package struct AccountOptions: Sendable {
        package var passwordParameters = PasswordHasher.Parameters.standard
        package var time = TimeSource.system
        package var sessions = SessionPolicy()
        package var throttle = SignInThrottle.Limits()

        package init() {}
    }

    /// Opens the database in the data directory (migrating it) and wires the application.
    package static func make(
        configuration: WharfConfiguration, accountOptions: AccountOptions = AccountOptions(),
        log: @escaping @Sendable (String) -> Void
    ) async throws -> WharfApplication {
        try WharfStore.createDataDirectory(configuration.dataDirectory)
        let lock = try DataDirectoryLock.acquire(configuration.dataDirectory)
        BackupService.removeLeftovers(dataDirectory: configuration.dataDirectory)
        let (database, secretKey) = try await WharfStore.open(
            dataDirectory: configuration.dataDirectory, resourcesDirectory: configuration.resourcesDirectory)
        do {
            let accounts = try await AccountServices.make(
                database: database, secretKey: secretKey,
                // Its own queue: one per application (a process runs one; tests run many at once).
                hasher: PasswordHasher(parameters: accountOptions.passwordParameters, queue: OffloadQueue(label: "wharf.kdf")),
                policy: accountOptions.sessions, time: accountOptions.time, throttleLimits: accountOptions.throttle,
                grants: Grants(database: database))
            try await accounts.sessions.purgeExpired()
            let now = accountOptions.time.now()
            // The sign-in throttle's counts of the last hour, so a restart is not a reset.
            let limits = accountOptions.throttle
            await accounts.throttle.restore(try await database.read { connection in
                try SignInThrottle.recentEvents(now: now, limits: limits, on: connection)
            })
            let setupToken = try await database.write { connection in try SetupTokens.issueIfNeeded(now: now, on: connection) }
            let application = try WharfApplication(
                configuration: configuration, database: database, accounts: accounts, setupToken: setupToken, lock: lock, log: log)
            try await application.jobs.recover()
            return application
        } catch {
            await database.close()
            throw error
        }
    }

    private init(
        configuration: WharfConfiguration, database: Database, accounts: AccountServices, setupToken: String?,
        lock: DataDirectoryLock, log: @escaping @Sendable (String) -> Void
    ) throws {
        self.configuration = configuration
        self.directoryLock = Mutex(lock)
        let metrics = WharfMetrics()
        self.metrics = metrics
        self.database = database
        self.audit = AuditLog(database: database)
        self.accounts = accounts
        self.setupToken = setupToken
        self.log = log
        let group = try EventLoopGroup(loops: configuration.eventLoops, pinned: configuration.pinLoops)
        self.group = group
        let hosts = HostServices(
            database: database, secretKey: accounts.secretKey, group: group, time: accounts.time,
            checkInterval: configuration.hostCheckInterval, probeTimeout: configuration.hostProbeTimeout,
            localDockerSocket: configuration.localDockerSocket)
        self.hosts = hosts
        let events = EventHub(hosts: hosts, loops: group.loops)
        self.events = events
        let endpointAudit = EndpointAuditQueue(database: database, log: log)
        self.endpointAudit = endpointAudit
        endpointAuditWriter = Task { await endpointAudit.run() }
        let resources = URL(fileURLWithPath: configuration.resourcesDirectory)
        let templates = try TemplateLibrary(directory: resources.appendingPathComponent("Templates"))
        let assets = try StaticFiles(root: resources.appendingPathComponent("Public").path)
        let pages = Pages(templates: templates, assets: assets)
        let errorPages = ErrorPages(pages: pages, log: log)

        let flash = FlashSigner(signer: accounts.signer)
        var router = AppRouter(flash: flash)
        SystemRoutes(assets: assets).register(into: &router.routes)
        HostRoutes(pages: pages, hosts: hosts, time: accounts.time).register(into: &router)
        HostAPIRoutes(hosts: hosts).register(into: &router)
        let containers = ContainerService(hosts: hosts, audit: AuditLog(database: database))
        let containerLogs = ContainerLogs(service: containers, followers: ContainerLogFollowers(hosts: hosts))
        ContainerRoutes(
            pages: pages, service: containers, logs: containerLogs, stats: ContainerStatsFollowers(hosts: hosts), flash: flash,
            time: accounts.time
        ).register(into: &router)
        ContainerAPIRoutes(service: containers, logs: containerLogs).register(into: &router)
        let volumes = VolumeService(hosts: hosts, audit: AuditLog(database: database))
        VolumeRoutes(pages: pages, service: volumes, flash: flash, time: accounts.time).register(into: &router)
        VolumeAPIRoutes(service: volumes).register(into: &router)
        let networks = NetworkService(hosts: hosts, audit: AuditLog(database: database))
        NetworkRoutes(pages: pages, service: networks, flash: flash, time: accounts.time).register(into: &router)
        NetworkAPIRoutes(service: networks).register(into: &router)
        HostSystemRoutes(
            pages: pages, prune: HostPrune(containers: containers, volumes: volumes, networks: networks, audit: AuditLog(database: database)),
            flash: flash
        ).register(into: &router)
        let eventRoutes = EventRoutes(pages: pages, hub: events, hosts: hosts)
        eventRoutes.register(into: &router)
        EventAPIRoutes(hub: events, routes: eventRoutes).register(into: &router)
        let jobs = JobRunner(database: database, group: group, log: log)
        self.jobs = jobs
        let jobService = JobService(runner: jobs, hosts: hosts, audit: AuditLog(database: database))
        JobRoutes(pages: pages, service: jobService, flash: flash, time: accounts.time).register(into: &router)
        JobAPIRoutes(service: jobService).register(into: &router)
        let registries = RegistryService(database: database, secretKey: accounts.secretKey)
        RegistryRoutes(pages: pages, service: registries, hosts: hosts, flash: flash, time: accounts.time).register(into: &router)
        RegistryAPIRoutes(service: registries, hosts: hosts).register(into: &router)
        let images = ImageService(hosts: hosts, audit: AuditLog(database: database), jobs: jobs, registries: registries)
        ImageRoutes(pages: pages, service: images, flash: flash, time: accounts.time).register(into: &router)
        ImageAPIRoutes(service: images).register(into: &router)
        HomeRoutes(pages: pages, hosts: hosts, containers: ContainersAcrossHosts(service: containers, snapshots: ContainerSnapshots(events: events)),
            events: events, time: accounts.time)
            .register(into: &router)
        APIRoutes().register(into: &router)
        SignInRoutes(pages: pages, services: accounts).register(into: &router.routes)
        SetupRoutes(pages: pages, services: accounts).register(into: &router.routes)
        UserRoutes(pages: pages, services: accounts).register(into: &router.routes)
        UserTokenRoutes(services: accounts).register(into: &router)
        ProfileRoutes(pages: pages, services: accounts).register(into: &router.routes)
        AuditRoutes(pages: pages, database: database).register(into: &router.routes)
        DockerEndpointRoutes(hosts: hosts, accounts: accounts, queue: endpointAudit).register(into: &router.routes)
        DockerCLIRoutes(pages: pages, hosts: hosts, accounts: accounts, publicURL: configuration.publicURL).register(into: &router.routes)
        SettingsRoutes(
            pages: pages, database: database, dataDirectory: configuration.dataDirectory, time: accounts.time,
            publicURL: configuration.publicURL
        ).register(into: &router.routes)
        MetricsRoutes(metrics: metrics, database: database, hosts: hosts).register(into: &router.routes)
        try APIRoutes.registerDocument(into: &router)
        self.api = router.api

        let responder = HTTPResponder(
            router: try router.routes.build(),
            // ErrorPages twice: the outer one answers what authentication itself refuses (a bad
            // bearer token); the inner one renders every later error with the principal known,
            // so a signed-in user's error page still has the header and its sign-out form.
            // Metrics outermost, so every answer is counted; RequestOrigin next, so a request for
            // a host Wharf does not serve stops there and the rest see the forwarded client and scheme.
            middleware: [
                MetricsMiddleware(metrics: metrics),
                RequestOrigin(
                    allowedHosts: AllowedHosts(listen: configuration.listen, publicURL: configuration.publicURL),
                    proxies: configuration.trustedProxies, publicURL: configuration.publicURL),
                SecurityHeaders(), errorPages,
                MetricsAccess(metrics: metrics, database: database, audit: AuditLog(database: database)),
                AuthenticationMiddleware(services: accounts), FlashMiddleware(signer: flash), errorPages,
                CSRFMiddleware(services: accounts),
                AuthorizationMiddleware(services: accounts, hostScopes: { reference, principal, context in
                    try await hosts.scope(reference, for: principal, context: context)
                }),
            ],
            notFound: { _, _ in throw HTTPError(.notFound, "There is no page at this address.") },
            methodNotAllowed: { _, context in
                let allow = (context.allowedMethods ?? []).map(\.rawValue).joined(separator: ", ")
                throw HTTPError(.methodNotAllowed, "This address does not accept that method.", headers: ["Allow": allow])
            })
        var http = HTTPServerConfiguration(addresses: configuration.listen)
        http.accessLog = configuration.accessLog ? AccessLog(format: configuration.accessLogFormat) : nil
        http.errorLog = log
        http.tls = configuration.tlsContext
        if !configuration.trustedProxies.isEmpty {
            let proxies = configuration.trustedProxies
            http.clientAddress = { peer, headers in proxies.resolve(peer: peer.host, headers: headers).client }
        }
        let server = HTTPServer(configuration: http, responder: responder, group: group)
        self.server = server
        if configuration.tlsContext != nil, !configuration.httpRedirect.isEmpty {
            var plain = HTTPServerConfiguration(addresses: configuration.httpRedirect)
            plain.accessLog = http.accessLog
            plain.errorLog = log
            plain.clientAddress = http.clientAddress
            let redirect = HTTPSRedirect(
                allowedHosts: AllowedHosts(listen: configuration.listen + configuration.httpRedirect, publicURL: configuration.publicURL),
                publicURL: configuration.publicURL, httpsPort: { server.boundAddresses.first?.port ?? 443 })
            redirectServer = HTTPServer(configuration: plain, responder: try redirect.responder(), group: group)
        } else {
            redirectServer = nil
        }
        metrics.registerSources(
            server: server, database: database, hosts: hosts, version: WharfVersion.current, commit: configuration.buildCommit)
        self.responder = responder
    }

    /// The composed router and middleware, for in-process tests.
    package let responder: HTTPResponder
    /// The documented `/api/v1` routes (the OpenAPI document is built from them).
    package let api: [APIEndpoint]

    /// What runs on a timer until shutdown (see ``Upkeep``).
    private var upkeep: Upkeep {
        Upkeep(database: database, accounts: accounts, jobRetention: jobs.retention, configuration: configuration, log: log)
    }

    /// Starts listening, then the host health checker and the upkeep.
    package func start() throws {
        try server.start()
        if let redirectServer {
            do {
                try redirectServer.start()
            } catch {
                Task { [server] in await server.shutdown() }
                throw error
            }
        }
        let checker = hosts.checker
        let upkeep = self.upkeep
        backgroundTasks.withLock {
            $0.append(Task { await checker.run() })
            $0.append(contentsOf: upkeep.tasks())
        }
    }

    package var boundAddresses: [SocketAddress] { server.boundAddresses }

    /// The redirecting plain listener's addresses (empty without one).
    package var redirectAddresses: [SocketAddress] { redirectServer?.boundAddresses ?? [] }

    /// Graceful shutdown: in-flight requests finish within the grace period, then the loops stop.
    package func shutdown() async {
        // Jobs first: their engine requests are closed and each stores its end (`interrupted`)
        // while the database is open; a request feeding one an upload then answers.
        await jobs.shutdown()
        for task in backgroundTasks.withLock({ $0 }) {
            task.cancel()
            await task.value
        }
        await redirectServer?.shutdown()
        await server.shutdown()
        await events.shutdown()
        endpointAudit.close()
        await endpointAuditWriter.value
        await upkeep.finish()
        await hosts.clients.shutdown()
        await group.shutdown()
        await database.close()
        directoryLock.withLock { $0 = nil }
    }
}
