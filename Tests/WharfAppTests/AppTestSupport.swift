import FoundationEssentials
import Testing
import WharfApp
import WharfHTTP
import WharfIO
import WharfSQLite

/// The repository's root, found from this file's path (Tests/WharfAppTests/…).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    url.deleteLastPathComponent()
    url.deleteLastPathComponent()
    url.deleteLastPathComponent()
    return url.path
}()

/// The repository's migrations.
func repositoryMigrations() throws -> [Migration] {
    try Migrator.load(directory: URL(fileURLWithPath: repositoryRoot).appendingPathComponent("migrations"), checksum: { _ in "test" })
}

/// The audit chain key tests' databases carry (a real data directory derives it from `secret.key`).
let testAuditKey = Array("a test audit chain key, 32 bytes".utf8)

/// A fresh temporary database with the repository's migrations applied (up to and including the
/// one named `through`, when given), its connections carrying ``testAuditKey``.
func migratedDatabase(through name: String? = nil) async throws -> Database {
    let database = try await Database.temporary(configuration: .init(prepare: { $0[AuditChainKey.self] = testAuditKey }))
    var migrations = try repositoryMigrations()
    if let name, let last = migrations.firstIndex(where: { $0.name == name }) { migrations = Array(migrations[...last]) }
    _ = try await Migrator.migrate(database, migrations)
    return database
}

/// Applies the rest of the repository's migrations.
func migrateRest(_ database: Database) async throws {
    _ = try await Migrator.migrate(database, try repositoryMigrations())
}

/// Account services over a temporary database, with cheap hashing and a manual clock.
func testAccounts(time: ManualTime = ManualTime(), policy: SessionPolicy = SessionPolicy()) async throws -> AccountServices {
    try await AccountServices.make(
        database: try await migratedDatabase(), secretKey: try testSecretKey(), hasher: PasswordHasher(parameters: .testing),
        policy: policy, time: time.source)
}

/// A fresh random key, as a new data directory's `secret.key` would hold.
func testSecretKey() throws -> SecretKey {
    try SecretKey(bytes: (0..<32).map { _ in UInt8.random(in: .min ... .max) })
}

let cliActor = AuditActor(source: .cli, actorName: "cli:test")

/// The whole application (routes, middleware, templates, database) in a temporary data directory,
/// answering requests in process or over loopback.
final class TestApp: Sendable {
    let app: WharfApplication
    let time: ManualTime
    let dataDirectory: String
    private let configuration: WharfConfiguration
    private let accountOptions: WharfApplication.AccountOptions

    private init(
        app: WharfApplication, time: ManualTime, configuration: WharfConfiguration, accountOptions: WharfApplication.AccountOptions
    ) {
        self.app = app
        self.time = time
        self.dataDirectory = configuration.dataDirectory
        self.configuration = configuration
        self.accountOptions = accountOptions
    }

    static func make(
        options: (inout WharfApplication.AccountOptions) -> Void = { _ in },
        configure: (inout WharfConfiguration) -> Void = { _ in }, log: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> TestApp {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-app-tests-\(UUID().uuidString)").path
        let time = ManualTime()
        var accountOptions = WharfApplication.AccountOptions()
        accountOptions.passwordParameters = .testing
        accountOptions.time = time.source
        options(&accountOptions)
        var configuration = WharfConfiguration(
            listen: [try SocketAddress(ip: "127.0.0.1", port: 0)], dataDirectory: directory, resourcesDirectory: repositoryRoot)
        configuration.accessLog = false
        configuration.eventLoops = 1
        configure(&configuration)
        let app = try await WharfApplication.make(configuration: configuration, accountOptions: accountOptions, log: log)
        return TestApp(app: app, time: time, configuration: configuration, accountOptions: accountOptions)
    }

    /// Shuts this application down, keeping its data directory, and starts a new one on it with
    /// the same options and clock: a server restart.
    func restarted() async throws -> TestApp {
        await app.shutdown()
        let app = try await WharfApplication.make(configuration: configuration, accountOptions: accountOptions, log: { _ in })
        return TestApp(app: app, time: time, configuration: configuration, accountOptions: accountOptions)
    }

    var accounts: AccountServices { app.accounts }

    /// Creates a user directly (as the CLI would).
    @discardableResult
    func user(_ name: String, _ role: Role, password: String = "a long enough password") async throws -> User {
        try await accounts.createUser(username: name, role: role, password: password, by: cliActor)
    }

    /// Answers `request` in process, as the server would for a client at `address`.
    func respond(_ request: HTTPRequest, address: String = "127.0.0.1", secure: Bool = false) async throws -> HTTPResponse {
        var context = RequestContext(requestID: "test", remoteAddress: try SocketAddress(ip: address, port: 40000), isSecure: secure)
        app.responder.route(request.head, into: &context)
        return try await app.responder.respond(to: request, context: context)
    }

    /// The audit rows' actions, in order.
    func auditActions() async throws -> [String] {
        try await app.database.read { connection in
            try connection.query("SELECT action FROM audit_log ORDER BY id").map { try $0.get(0, as: String.self) }
        }
    }

    func auditRows(_ action: String) async throws -> [Row] {
        try await app.database.read { connection in
            try connection.query("SELECT * FROM audit_log WHERE action = ? ORDER BY id", [.text(action)])
        }
    }

    func shutdown() async {
        await app.shutdown()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }
}

/// Runs `body` with a fresh ``TestApp`` and shuts it down afterwards.
func withApp<T>(
    options: (inout WharfApplication.AccountOptions) -> Void = { _ in },
    configure: (inout WharfConfiguration) -> Void = { _ in }, _ body: (TestApp) async throws -> T
) async throws -> T {
    let app = try await TestApp.make(options: options, configure: configure)
    do {
        let result = try await body(app)
        await app.shutdown()
        return result
    } catch {
        await app.shutdown()
        throw error
    }
}
