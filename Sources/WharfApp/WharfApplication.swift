import FoundationEssentials
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
    private let group: EventLoopGroup

    /// Opens the database in the data directory (migrating it) and wires the application.
    package static func make(configuration: WharfConfiguration, log: @escaping @Sendable (String) -> Void) async throws -> WharfApplication {
        let database = try await WharfStore.open(
            dataDirectory: configuration.dataDirectory, resourcesDirectory: configuration.resourcesDirectory)
        do {
            return try WharfApplication(configuration: configuration, database: database, log: log)
        } catch {
            await database.close()
            throw error
        }
    }

    private init(configuration: WharfConfiguration, database: Database, log: @escaping @Sendable (String) -> Void) throws {
        self.configuration = configuration
        self.database = database
        self.audit = AuditLog(database: database)
        let resources = URL(fileURLWithPath: configuration.resourcesDirectory)
        let templates = try TemplateLibrary(directory: resources.appendingPathComponent("Templates"))
        let assets = try StaticFiles(root: resources.appendingPathComponent("Public").path)
        let pages = Pages(templates: templates, assets: assets)
        let errorPages = ErrorPages(pages: pages, log: log)

        var router = RouterBuilder()
        SystemRoutes(assets: assets).register(into: &router)
        HomeRoutes(pages: pages).register(into: &router)

        let responder = HTTPResponder(
            router: try router.build(),
            middleware: [SecurityHeaders(), errorPages],
            notFound: { _, _ in throw HTTPError(.notFound, "There is no page at this address.") },
            methodNotAllowed: { _, context in
                let allow = (context.allowedMethods ?? []).map(\.rawValue).joined(separator: ", ")
                throw HTTPError(.methodNotAllowed, "This address does not accept that method.", headers: ["Allow": allow])
            })
        var http = HTTPServerConfiguration(addresses: configuration.listen)
        http.accessLog = configuration.accessLog ? AccessLog() : nil
        http.errorLog = log
        group = try EventLoopGroup(loops: configuration.eventLoops)
        server = HTTPServer(configuration: http, responder: responder, group: group)
    }

    /// Starts listening.
    package func start() throws {
        try server.start()
    }

    package var boundAddresses: [SocketAddress] { server.boundAddresses }

    /// Graceful shutdown: in-flight requests finish within the grace period, then the loops stop.
    package func shutdown() async {
        await server.shutdown()
        await group.shutdown()
        await database.close()
    }
}
