import FoundationEssentials
import Glibc
import WharfSQLite
import WharfTLS

/// `wharf restore FILE --data-dir DIR`: checks a backup thoroughly, then puts it (and the secret
/// key) in place.
///
/// In order: the data directory is locked (a running server holds that lock, so its data is never
/// replaced); the backup is copied into the directory and the copy checked — `integrity_check`,
/// its migrations (one newer than this Wharf, or edited, is refused), the audit chain, and that
/// the secret key opens the backup's sealed signing key; then each file is renamed into place
/// (`rename(2)` is atomic: the old file or the new one, never half of either). Existing data is
/// only replaced with `replace`, and is moved aside into `replaced-<time>/`, never deleted.
package enum BackupRestore {
    package struct Options: Sendable {
        package var backupFile: String
        package var dataDirectory: String
        package var resourcesDirectory: String
        /// The secret key to install; nil to use the one already in the data directory.
        package var secretKeyFile: String?
        /// Whether existing data may be replaced (it is moved aside).
        package var replace = false

        package init(backupFile: String, dataDirectory: String, resourcesDirectory: String) {
            self.backupFile = backupFile
            self.dataDirectory = dataDirectory
            self.resourcesDirectory = resourcesDirectory
        }
    }

    /// What was restored.
    package struct Outcome: Sendable {
        package var schemaVersion: Int
        package var audit: AuditVerifier.Summary
        package var users: Int
        package var hosts: Int
        /// Where replaced files were moved, if any.
        package var replacedInto: String?
    }

    /// Why a restore stopped; nothing in the data directory was changed.
    package struct Refusal: Error, CustomStringConvertible {
        package let description: String
        init(_ description: String) { self.description = description }
    }

    package static func restore(_ options: Options) async throws -> Outcome {
        let directory = options.dataDirectory
        try WharfStore.createDataDirectory(directory)
        let lock = try DataDirectoryLock.acquire(directory)
        defer { withExtendedLifetime(lock) {} }

        let target = directory + "/" + WharfStore.fileName
        let keyTarget = directory + "/" + SecretKey.fileName
        let hasData = access(target, F_OK) == 0
        if hasData, !options.replace {
            throw Refusal("\(directory) already holds a database; pass --replace to replace it (the current files are moved aside, not deleted)")
        }
        guard access(options.backupFile, R_OK) == 0 else {
            throw Refusal("cannot read \(options.backupFile): \(String(cString: strerror(errno)))")
        }
        let keyFile = options.secretKeyFile ?? keyTarget
        let key: SecretKey
        do {
            key = try SecretKey.load(path: keyFile)
        } catch {
            throw Refusal(options.secretKeyFile == nil
                ? "\(keyTarget) does not exist or cannot be used (\(error)); give the secret.key kept with your backups with --secret-key FILE"
                : "the secret key \(keyFile) cannot be used: \(error)")
        }

        let staging = directory + "/.restore-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let copy = staging + "/" + WharfStore.fileName
        // A consistent copy even if the backup file is itself a live database (WAL and all).
        try await Database.backup(databaseAt: options.backupFile, to: copy)
        var outcome = try await check(copy, key: key, resources: options.resourcesDirectory)
        try PrivateFile.write(staging + "/" + SecretKey.fileName, key.exportedBytes)

        if hasData {
            let aside = directory + "/replaced-" + timestamp()
            try FileManager.default.createDirectory(atPath: aside, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            for name in [WharfStore.fileName, WharfStore.fileName + "-wal", WharfStore.fileName + "-shm", SecretKey.fileName]
            where access(directory + "/" + name, F_OK) == 0 {
                guard rename(directory + "/" + name, aside + "/" + name) == 0 else {
                    throw Refusal("cannot move \(name) aside: \(String(cString: strerror(errno)))")
                }
            }
            outcome.replacedInto = aside
        }
        // The key first: a database whose key is missing would start and fail to open its secrets.
        guard rename(staging + "/" + SecretKey.fileName, keyTarget) == 0, rename(copy, target) == 0 else {
            throw Refusal("cannot put the restored files in place: \(String(cString: strerror(errno)))")
        }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
        return outcome
    }

    /// Every check on the staged copy; throws a ``Refusal`` saying what is wrong.
    static func check(_ path: String, key: SecretKey, resources: String) async throws -> Outcome {
        let known = try Migrator.load(
            directory: URL(fileURLWithPath: resources).appendingPathComponent("migrations"), checksum: { SHA256.hex($0) })
        let connection: SQLiteConnection
        do {
            connection = try SQLiteConnection(path: path, mode: .readWrite)
        } catch {
            throw Refusal("the file is not a Wharf backup (SQLite cannot open it: \(error))")
        }
        defer { connection.close() }
        let integrity = (try? connection.query("PRAGMA integrity_check").compactMap { try? $0.get(0, as: String.self) }) ?? ["unreadable"]
        guard integrity == ["ok"] else {
            throw Refusal("the backup is damaged (integrity_check: \(integrity.prefix(3).joined(separator: "; ")))")
        }
        let records: [(Int, String, String)]
        do {
            records = try connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version").map {
                (try $0.get(0, as: Int.self), try $0.get(1, as: String.self), try $0.get(2, as: String.self))
            }
        } catch {
            throw Refusal("the file is an SQLite database but not a Wharf backup (it has no schema_migrations table)")
        }
        let newest = known.map(\.version).max() ?? 0
        let version = records.last?.0 ?? 0
        if version > newest {
            throw Refusal("the backup was made by a newer Wharf (database schema \(version); this Wharf knows up to \(newest)): "
                + "restore it with that version or a later one")
        }
        for (number, name, checksum) in records {
            guard let migration = known.first(where: { $0.version == number }), migration.checksum == checksum else {
                throw Refusal("the backup's migration \(number) (\(name)) differs from this Wharf's: it was made by a different build")
            }
        }
        if let stored = try connection.queryValue(
            "SELECT value FROM settings WHERE key = ?", [.text(SecuritySettings.signingKeyKey)], as: String.self),
            stored.hasPrefix(SecuritySettings.sealedPrefix) {
            guard let box = Hex.decode(String(stored.dropFirst(SecuritySettings.sealedPrefix.count))),
                  (try? key.open(box, label: SecuritySettings.signingKeyLabel)) != nil else {
                throw Refusal("the secret key does not open this backup's secrets: it is not the secret.key of the "
                    + "instance the backup was made from (give that one with --secret-key FILE)")
            }
        }
        // The key first (above): the audit chain is keyed with a key derived from it, so a wrong key
        // would read as a broken chain.
        connection[AuditChainKey.self] = key.derivedKey(for: AuditChainKey.purpose)
        let audit: AuditVerifier.Summary
        do {
            audit = try connection.transaction(.deferred) { try AuditVerifier.verify(on: $0) }
        } catch let broken as AuditVerifier.Break {
            throw Refusal("the backup's audit chain is broken: \(broken)")
        }
        let users = try connection.queryValue("SELECT count(*) FROM users", as: Int.self) ?? 0
        let hosts = try connection.queryValue("SELECT count(*) FROM hosts", as: Int.self) ?? 0
        return Outcome(schemaVersion: version, audit: audit, users: users, hosts: hosts, replacedInto: nil)
    }

    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, buffer.count, "%Y%m%dT%H%M%SZ", &parts)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
