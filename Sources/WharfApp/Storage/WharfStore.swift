import FoundationEssentials
package import WharfSQLite
import WharfTLS

/// Wharf's database: `wharf.db` in the data directory, migrated to the schema in `migrations/`.
///
/// `wharf serve` and every administration subcommand open it the same way, so a subcommand run
/// while the server is up sees the same schema (SQLite's WAL lets both write, one at a time).
package enum WharfStore {
    package static let fileName = "wharf.db"

    /// Creates the data directory (mode 0700) if needed, loads (or creates) its `secret.key`,
    /// opens the database with the audit chain key derived from it attached to every connection
    /// (``AuditChainKey``: in memory only, never in the file) and applies pending migrations from
    /// `<resources>/migrations`.
    /// - Throws: `MigrationError` with what to do when an applied file changed or the database is
    ///   newer than this Wharf; `SecretKeyError` when the key file is unusable; `SQLiteError` when
    ///   the file cannot be opened.
    package static func open(dataDirectory: String, resourcesDirectory: String) async throws -> (database: Database, secretKey: SecretKey) {
        try createDataDirectory(dataDirectory)
        let secretKey = try SecretKey.loadOrCreate(dataDirectory: dataDirectory)
        let migrations = try Migrator.load(
            directory: URL(fileURLWithPath: resourcesDirectory).appendingPathComponent("migrations"),
            checksum: { SHA256.hex($0) })
        let auditKey = secretKey.derivedKey(for: AuditChainKey.purpose)
        let database = try await Database.open(
            path: dataDirectory + "/" + fileName, configuration: .init(prepare: { $0[AuditChainKey.self] = auditKey }))
        do {
            _ = try await Migrator.migrate(database, migrations)
        } catch {
            await database.close()
            throw error
        }
        return (database, secretKey)
    }

    /// Creates `path` with mode 0700; an existing directory is left as it is.
    package static func createDataDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}
