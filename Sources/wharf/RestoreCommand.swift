import Glibc
import WharfApp
import WharfSQLite

/// `wharf restore FILE --data-dir DIR`: checks a backup and puts it in place.
enum RestoreCommand {
    static let usage = """
        Usage: wharf restore FILE --data-dir DIR [--secret-key FILE] [--replace] [--resources DIR]

        Checks the backup FILE (integrity_check, its migrations against this Wharf's, the audit
        chain, and that the secret key opens its secrets), then puts it in place in DIR atomically.
          --secret-key FILE  The secret.key of the instance the backup was made from (default:
                             the one already in DIR)
          --replace          Replace DIR's existing database (moved to DIR/replaced-<time>/)
        Refuses while a wharf serve runs on DIR. The restore is audited (backup.restore, source cli).
        """

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        let parsed: CommandLineArguments
        do {
            parsed = try CommandLineArguments(
                arguments, options: ["--data-dir", "--resources", "--secret-key"], flags: ["--replace", "--help", "-h"])
            if parsed.has("--help") || parsed.has("-h") {
                print(usage)
                return 0
            }
            guard parsed.positionals.count == 1 else {
                throw CommandLineArguments.UsageError(description: parsed.positionals.isEmpty ? "missing FILE" : "unexpected argument \(parsed.positionals[1])")
            }
            guard parsed.value("--data-dir", environment: "WHARF_DATA_DIR") != nil else {
                throw CommandLineArguments.UsageError(description: "--data-dir is required: say where to restore to")
            }
        } catch {
            printError("wharf restore: \(error)\n\n\(usage)")
            return 2
        }
        do {
            let resources = try WharfConfiguration.locateResources(
                explicit: parsed.value("--resources", environment: "WHARF_RESOURCES"), executable: CommandLine.arguments[0])
            let directory = parsed.value("--data-dir", environment: "WHARF_DATA_DIR") ?? WharfConfiguration.defaultDataDirectory
            var options = BackupRestore.Options(backupFile: parsed.positionals[0], dataDirectory: directory, resourcesDirectory: resources)
            options.secretKeyFile = parsed.value("--secret-key")
            options.replace = parsed.has("--replace")
            let outcome = try await BackupRestore.restore(options)
            // Recorded in the restored history, by the restored database's own chain.
            let admin = try await AdminContext.open(parsed)
            let entry = admin.actor.entry("backup.restore", target: options.backupFile)
            _ = try await admin.database.write { connection in
                try AuditLog.append(entry, on: connection)
            }
            await admin.close()
            print("Restored \(options.backupFile) into \(directory): schema \(outcome.schemaVersion), \(outcome.users) users, "
                + "\(outcome.hosts) hosts; audit chain intact (\(outcome.audit.description)).")
            if let aside = outcome.replacedInto { print("The previous database and key were moved to \(aside).") }
            return 0
        } catch {
            printError("wharf restore: \(error)")
            return 1
        }
    }
}
