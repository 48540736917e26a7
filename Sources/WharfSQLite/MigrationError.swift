/// Why migrations could not be loaded or applied. Each description says what happened and what
/// to do, because it is what an operator sees when start-up stops.
package enum MigrationError: Error, CustomStringConvertible {
    /// The migrations directory could not be listed.
    case unreadableDirectory(path: String, reason: String)
    /// A migration file could not be read or is not UTF-8.
    case unreadableFile(file: String, reason: String)
    /// A `.sql` file whose name is not `NNNN_name.sql`.
    case invalidFileName(String)
    /// Two files share a version number.
    case duplicateVersion(version: Int, files: [String])
    /// A version number is missing from the sequence 1, 2, 3…
    case missingVersion(version: Int)
    /// An applied migration's file has changed since it was applied.
    case checksumMismatch(version: Int, name: String, recorded: String, current: String)
    /// The database records migrations this code does not have.
    case databaseNewer(versions: [Int], latestKnown: Int)
    /// A migration is pending although a later one is already applied.
    case outOfOrder(pending: String, laterApplied: Int)
    /// A migration's SQL failed; nothing of it was kept.
    case failed(file: String, underlying: any Error)
    /// After a migration, `PRAGMA foreign_key_check` found rows violating a foreign key.
    case foreignKeyViolation(file: String, table: String, parent: String)

    package var description: String {
        switch self {
        case .unreadableDirectory(let path, let reason):
            return "Cannot read the migrations directory \(path): \(reason)."
        case .unreadableFile(let file, let reason):
            return "Cannot read migration \(file): \(reason)."
        case .invalidFileName(let name):
            return "Migration file \(name) is misnamed: name migrations NNNN_name.sql, with a four-digit "
                + "version and a name of lowercase letters, digits and underscores (for example 0003_add_hosts.sql)."
        case .duplicateVersion(let version, let files):
            return "Migrations \(files.joined(separator: " and ")) share version \(Migration.paddedVersion(version)): "
                + "give each migration its own number."
        case .missingVersion(let version):
            return "Migration \(Migration.paddedVersion(version)) is missing: versions must run 0001, 0002, … without gaps."
        case .checksumMismatch(let version, let name, let recorded, let current):
            let file = Migration(version: version, name: name, sql: "", checksum: "").fileName
            return "Migration \(file) was edited after it was applied to this database "
                + "(checksum recorded \(recorded), file now \(current)). Applied migrations must never change: "
                + "restore the file to the version that was applied, and put the change in a new migration."
        case .databaseNewer(let versions, let latestKnown):
            let list = versions.map(Migration.paddedVersion).joined(separator: ", ")
            return "This database has migration(s) \(list) applied, but this build of Wharf only knows migrations up to "
                + "\(Migration.paddedVersion(latestKnown)): the database was migrated by a newer Wharf. "
                + "Run that newer version, or restore a backup taken before the upgrade."
        case .outOfOrder(let pending, let laterApplied):
            return "Migration \(pending) has not been applied, but the later migration "
                + "\(Migration.paddedVersion(laterApplied)) has. Migrations apply in order: check that the migration "
                + "files are the ones this database was migrated with, and number new migrations after the last applied one."
        case .failed(let file, let underlying):
            return "Migration \(file) failed and was rolled back, nothing of it was applied: \(underlying)"
        case .foreignKeyViolation(let file, let table, let parent):
            return "Migration \(file) was rolled back: it leaves rows in \(table) that reference missing rows in "
                + "\(parent). Fix or delete those rows within the migration."
        }
    }
}
