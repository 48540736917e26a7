import Glibc
import WharfApp

/// `wharf backup FILE`: a consistent copy of the database, taken while the server runs and writes.
enum BackupCommand {
    static let usage = """
        Usage: wharf backup FILE [--data-dir DIR] [--resources DIR]

        Writes a consistent copy of the database to FILE (mode 0600; FILE must not exist), while
        wharf serve keeps running. The backup is audited (backup.create, source cli).
        The secret key (DIR/secret.key) is NOT in the backup: keep one copy of it apart from the
        backups; wharf restore needs it. --data-dir and --resources work as for wharf serve.
        """

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        let parsed: CommandLineArguments
        do {
            parsed = try CommandLineArguments(arguments, options: AdminContext.commonOptions, flags: ["--help", "-h"])
            if parsed.has("--help") || parsed.has("-h") {
                print(usage)
                return 0
            }
            guard parsed.positionals.count == 1 else {
                throw CommandLineArguments.UsageError(description: parsed.positionals.isEmpty ? "missing FILE" : "unexpected argument \(parsed.positionals[1])")
            }
        } catch {
            printError("wharf backup: \(error)\n\n\(usage)")
            return 2
        }
        let file = parsed.positionals[0]
        return await AdminContext.run(parsed, label: "wharf backup") { admin in
            let summary = try await BackupService.create(
                database: admin.database, to: file, entry: admin.actor.entry("backup.create", target: file))
            let mebibytes = Double(summary.bytes) / 1_048_576
            print("Backup written to \(file): \((mebibytes * 10).rounded() / 10) MiB, schema \(summary.schemaVersion), \(summary.auditRows) audit rows.")
            printError("wharf backup: WARNING: " + BackupService.secretKeyWarning(dataDirectory: admin.dataDirectory))
            return 0
        }
    }
}
