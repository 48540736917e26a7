import FoundationEssentials
import Synchronization
package import WharfHTTP
package import WharfIO
package import WharfSQLite
import WharfTemplates

/// Wharf, wired: templates, static files, routes, middleware and the HTTP server.
///
/// ``make(configuration:log:)`` loads and checks everything that can be wrong on disk (a template
/// syntax error stops start-up naming file, line and column; a changed migration stops it saying
/// what to do) and opens the database; ``start()`` binds the listeners.
package final class WharfApplication: Sendable {
    package let configuration: WharfConfiguration
    package let server: HTTPServer
    package let database: Database
    package let audit: AuditLog
    package let accounts: AccountServices
    package let hosts: HostServices
    /// Builds, pulls, pushes, loads and imports running on the server.
    package let jobs: JobRunner
    /// The host health checker and the database's upkeep, cancelled at shutdown.
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
        let database = try await WharfStore.open(
            dataDirectory: configuration.dataDirectory, resourcesDirectory: configuration.resourcesDirectory)
        do {
            let secretKey = try SecretKey.loadOrCreate(dataDirectory: configuration.dataDirectory)
            let accounts = try await AccountServices.make(
                database: database, secretKey: secretKey, hasher: PasswordHasher(parameters: accountOptions.passwordParameters),
                policy: accountOptions.sessions, time: accountOptions.time, throttleLimits: accountOptions.throttle,
                grants: Grants(database: database))
            try await accounts.sessions.purgeExpired()
            let now = accountOptions.time.now()
            let setupToken = try await database.write { connection in try SetupTokens.issueIfNeeded(now: now, on: connection) }
            let application = try WharfApplication(
                configuration: configuration, database: database, accounts: accounts, setupToken: setupToken, log: log)
            try await application.jobs.recover()
            return application
        } catch {
            await database.close()
            throw error
        }
    }

    private init(
        configuration: WharfConfiguration, database: Database, accounts: AccountServices, setupToken: String?,
        log: @escaping @Sendable (String) -> Void
    ) throws {
        self.configuration = configuration
        self.database = database
        self.audit = AuditLog(database: database)
        self.accounts = accounts
        self.setupToken = setupToken
        self.log = log
        let group = try EventLoopGroup(loops: configuration.eventLoops)
        self.group = group
        let hosts = HostServices(
            database: database, secretKey: accounts.secretKey, group: group, time: accounts.time,
            checkInterval: configuration.hostCheckInterval, probeTimeout: configuration.hostProbeTimeout,
            localDockerSocket: configuration.localDockerSocket)
        self.hosts = hosts
        let resources = URL(fileURLWithPath: configuration.resourcesDirectory)
        let templates = try TemplateLibrary(directory: resources.appendingPathComponent("Templates"))
        let assets = try StaticFiles(root: resources.appendingPathComponent("Public").path)
        let pages = Pages(templates: templates, assets: assets)
        let errorPages = ErrorPages(pages: pages, log: log)

        let flash = FlashSigner(signer: accounts.signer)
        var router = AppRouter(flash: flash)
        SystemRoutes(assets: assets).register(into: &router.routes)
        HomeRoutes(pages: pages, hosts: hosts, time: accounts.time).register(into: &router.routes)
        HostRoutes(pages: pages, hosts: hosts, time: accounts.time).register(into: &router)
        HostAPIRoutes(hosts: hosts).register(into: &router)
        let containers = ContainerService(hosts: hosts, audit: AuditLog(database: database))
        let containerLogs = ContainerLogs(service: containers, followers: ContainerLogFollowers(hosts: hosts))
        ContainerRoutes(
            pages: pages, service: containers, logs: containerLogs, stats: ContainerStatsFollowers(hosts: hosts), flash: flash,
            time: accounts.time
        ).register(into: &router)
        ContainerAPIRoutes(service: containers, logs: containerLogs).register(into: &router)
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
        APIRoutes().register(into: &router)
        SignInRoutes(pages: pages, services: accounts).register(into: &router.routes)
        SetupRoutes(pages: pages, services: accounts).register(into: &router.routes)
        UserRoutes(pages: pages, services: accounts).register(into: &router.routes)
        ProfileRoutes(pages: pages, services: accounts).register(into: &router.routes)
        AuditRoutes(pages: pages, database: database).register(into: &router.routes)
        try APIRoutes.registerDocument(into: &router)
        self.api = router.api

        let responder = HTTPResponder(
            router: try router.routes.build(),
            // ErrorPages twice: the outer one answers what authentication itself refuses (a bad
            // bearer token); the inner one renders every later error with the principal known,
            // so a signed-in user's error page still has the header and its sign-out form.
            middleware: [
                SecurityHeaders(), errorPages, AuthenticationMiddleware(services: accounts), FlashMiddleware(signer: flash),
                errorPages, CSRFMiddleware(services: accounts),
                AuthorizationMiddleware(services: accounts, hostScopes: { reference, principal in
                    try await hosts.scope(reference, for: principal)
                }),
            ],
            notFound: { _, _ in throw HTTPError(.notFound, "There is no page at this address.") },
            methodNotAllowed: { _, context in
                let allow = (context.allowedMethods ?? []).map(\.rawValue).joined(separator: ", ")
                throw HTTPError(.methodNotAllowed, "This address does not accept that method.", headers: ["Allow": allow])
            })
        var http = HTTPServerConfiguration(addresses: configuration.listen)
        http.accessLog = configuration.accessLog ? AccessLog() : nil
        http.errorLog = log
        server = HTTPServer(configuration: http, responder: responder, group: group)
        self.responder = responder
    }

    /// The composed router and middleware, for in-process tests.
    package let responder: HTTPResponder
    /// The documented `/api/v1` routes (the OpenAPI document is built from them).
    package let api: [APIEndpoint]

    /// Starts listening.
    package func start() throws {
        try server.start()
        let checker = hosts.checker
        let database = self.database
        let log = self.log
        let retention = jobs.retention
        backgroundTasks.withLock {
            $0.append(Task { await checker.run() })
            $0.append(Task {
                while !Task.isCancelled {
                    do {
                        let removed = try await retention.pruneIfNeeded()
                        if removed.jobs > 0 { log("jobs: output of \(removed.jobs) job(s) removed (\(removed.bytes) bytes), as the retention settings say") }
                    } catch {
                        log("jobs: output not pruned: \(error)")
                    }
                    try? await Task.sleep(for: .seconds(3600))
                }
            })
            $0.append(Task {
                while !Task.isCancelled {
                    do {
                        if try await database.write({ connection in try AuditStatistics.refresh(on: connection) }) {
                            log("audit: planner statistics refreshed")
                        }
                    } catch {
                        log("audit: planner statistics not refreshed: \(error)")
                    }
                    try? await Task.sleep(for: .seconds(3600))
                }
            })
        }
    }

    package var boundAddresses: [SocketAddress] { server.boundAddresses }

    /// Graceful shutdown: in-flight requests finish within the grace period, then the loops stop.
    package func shutdown() async {
        // Jobs first: their engine requests are closed and each stores its end (`interrupted`)
        // while the database is open; a request feeding one an upload then answers.
        await jobs.shutdown()
        for task in backgroundTasks.withLock({ $0 }) {
            task.cancel()
            await task.value
        }
        await server.shutdown()
        await hosts.clients.shutdown()
        await group.shutdown()
        await database.close()
    }
}
