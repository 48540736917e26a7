import FoundationEssentials
import Glibc
package import WharfSQLite

/// Online backups of `wharf.db`: a consistent copy taken while the server runs and writes
/// (`VACUUM INTO` on a read-only connection, ``Database/backup(databaseAt:to:)``).
///
/// **The secret key is not in the backup.** `secret.key` (32 bytes, never changing) seals the
/// hosts' TLS client keys, the users' TOTP secrets and the signing key; a backup holds them sealed,
/// so a stolen backup file does not give them away. Keep a copy of `secret.key` once, somewhere
/// else than the backups; `wharf restore` asks for it and checks it opens the backup's secrets.
/// Every backup is audited (`backup.create`, source `cli` or `web`); the row is written before
/// the copy starts, so the backup holds its own record.
package enum BackupService {
    /// What a backup holds, for the message after it.
    package struct Summary: Sendable {
        package var bytes: Int64
        package var schemaVersion: Int
        package var auditRows: Int64
    }

    /// Appends the audit row, then writes the copy to `destination` (mode 0600; must not exist);
    /// a copy that fails gets a second row, with outcome `failed` and the reason.
    package static func create(
        database: Database, to destination: String, entry: AuditEntry
    ) async throws -> Summary {
        _ = try await database.write { connection in try AuditLog.append(entry, on: connection) }
        do {
            try await database.backup(to: destination)
        } catch {
            // The row above says a backup began; this one says it did not complete, and why.
            var failure = entry
            failure.outcome = .failed
            failure.error = String(describing: error)
            let failed = failure
            _ = try? await database.write { connection in try AuditLog.append(failed, on: connection) }
            throw error
        }
        return try await summary(of: destination)
    }

    /// The size, schema version and audit row count of a backup file.
    package static func summary(of path: String) async throws -> Summary {
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        defer { connection.close() }
        let version = try connection.queryValue("SELECT COALESCE(max(version), 0) FROM schema_migrations", as: Int.self) ?? 0
        let rows = try connection.queryValue("SELECT count(*) FROM audit_log", as: Int64.self) ?? 0
        var info = stat()
        let size = stat(path, &info) == 0 ? Int64(info.st_size) : 0
        return Summary(bytes: size, schemaVersion: version, auditRows: rows)
    }

    /// The warning printed after every CLI backup and shown next to the download button.
    package static func secretKeyWarning(dataDirectory: String) -> String {
        "This backup does NOT contain the secret key. Keep a copy of \(dataDirectory)/\(SecretKey.fileName) "
            + "somewhere safe, apart from the backups: without it the restored hosts' TLS client keys and the "
            + "users' two-step sign-in secrets cannot be opened. It never changes, so one copy is enough."
    }

    /// Removes backup files a server left behind when it stopped during a download (start-up).
    package static func removeLeftovers(dataDirectory: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dataDirectory) else { return }
        for name in names where name.hasPrefix(downloadPrefix) { unlink(dataDirectory + "/" + name) }
    }

    /// Temporary files of downloads in progress: `backup-download-<random>.db` in the data directory.
    static let downloadPrefix = "backup-download-"
}
