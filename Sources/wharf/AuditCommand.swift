import Glibc
import WharfApp
import WharfSQLite

/// `wharf audit verify|head|export|purge`: the audit history from the shell, working while the
/// server runs. Each run but `head` is itself audited with source `cli` (`audit.verify`,
/// `audit.export`, `audit.purge`); `head` only reads (a row of its own would move the head).
enum AuditCommand {
    static let usage = """
        Usage: wharf audit <subcommand> [--data-dir DIR] [--resources DIR]

        Subcommands:
          verify [--expect-head HEAD]        Walk the hash chain; exit 0 when intact, 1 naming the first bad row
          head                               Print the newest row's id and hash (SEQ HASH), to keep elsewhere
          export --format csv|jsonl [FILTERS] Write the matching rows to standard output, oldest first
          purge --before DATE [--yes]         Remove rows older than DATE, keeping the chain verifiable

        Filters: --actor NAME  --action PREFIX  --host ID  --outcome ok|failed|denied
                 --since DATE  --until DATE  --target TEXT
        Dates are UTC: 2026-11-24 or 2026-11-24T18:30[:05][Z]. --until with a date includes that day.
        HEAD is what `wharf audit head` printed, or the server's log line `audit head SEQ HASH` (written at
        start, every 10 minutes and at shutdown), or a bare HASH for the newest row: the row it names must
        still have that hash.
        purge asks for confirmation on standard input unless --yes is given.
        --data-dir and --resources work as for wharf serve (env WHARF_DATA_DIR, WHARF_RESOURCES).
        """

    static let filterOptions: Set<String> = ["--actor", "--action", "--host", "--outcome", "--since", "--until", "--target"]

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        let subcommand: String
        switch AdminContext.subcommand(arguments, command: "audit", usage: usage) {
        case .success(let name): subcommand = name
        case .failure(let exit): return exit.code
        }
        let parsed: CommandLineArguments
        var filter = AuditFilter()
        var format = AuditExport.Format.csv
        var before: Int64 = 0
        var expectHead: AuditHead?
        do {
            let options: Set<String> = switch subcommand {
            case "verify": ["--expect-head"]
            case "head": []
            case "export": filterOptions.union(["--format"])
            case "purge": ["--before"]
            default: throw CommandLineArguments.UsageError(description: "unknown subcommand \(subcommand)")
            }
            parsed = try CommandLineArguments(
                arguments.dropFirst(), options: options.union(AdminContext.commonOptions), flags: subcommand == "purge" ? ["--yes"] : [])
            guard parsed.positionals.isEmpty else { throw CommandLineArguments.UsageError(description: "unexpected argument \(parsed.positionals[0])") }
            if subcommand == "verify", let text = parsed.value("--expect-head") {
                guard let head = AuditHead(parsing: text) else {
                    throw CommandLineArguments.UsageError(
                        description: "--expect-head: give the head as SEQ HASH (what wharf audit head prints), the log line, or a 64-digit HASH")
                }
                expectHead = head
            }
            if subcommand == "export" {
                guard let text = parsed.value("--format"), let value = AuditExport.Format(rawValue: text) else {
                    throw CommandLineArguments.UsageError(description: "export needs --format csv or --format jsonl")
                }
                format = value
                do {
                    filter = try AuditFilter.parse { name in parsed.value("--" + name) }
                } catch {
                    throw CommandLineArguments.UsageError(description: error.problems.map { "--\($0.field): \($0.message)" }.joined(separator: "; "))
                }
            }
            if subcommand == "purge" {
                guard let text = parsed.value("--before") else { throw CommandLineArguments.UsageError(description: "purge needs --before DATE") }
                guard let bound = AuditTime.parse(text) else {
                    throw CommandLineArguments.UsageError(description: "--before: enter a UTC date as 2026-11-24 or 2026-11-24T18:30")
                }
                before = bound.milliseconds
            }
        } catch {
            printError("wharf audit: \(error)\n\n\(usage)")
            return 2
        }
        return await AdminContext.run(parsed, label: "wharf audit \(subcommand)") { admin in
            switch subcommand {
            case "verify": try await verify(expectHead, admin)
            case "head": try await head(admin)
            case "export": try await export(filter, format: format, admin)
            default: try await purge(before: before, confirmed: parsed.has("--yes"), admin)
            }
        }
    }

    private static func head(_ admin: AdminContext) async throws -> Int32 {
        print(try await admin.database.read { connection in try AuditHead.current(on: connection) }.description)
        return 0
    }

    private static func verify(_ expectHead: AuditHead?, _ admin: AdminContext) async throws -> Int32 {
        let result: Result<AuditVerifier.Summary, AuditVerifier.Break>
        do {
            result = .success(try await admin.database.read { connection in
                try AuditVerifier.verify(on: connection, expectHead: expectHead)
            })
        } catch let broken as AuditVerifier.Break {
            result = .failure(broken)
        }
        let actor = admin.actor
        try await admin.database.write { connection in
            let entry = switch result {
            case .success(let summary):
                actor.entry("audit.verify", target: "audit_log", parameters: ["verified": String(summary.verified), "head": summary.headHash])
            case .failure(let broken):
                actor.entry("audit.verify", outcome: .failed, target: "audit_log", parameters: ["row": String(broken.id)], error: broken.description)
            }
            try AuditLog.append(entry, on: connection)
        }
        switch result {
        case .success(let summary):
            print(summary.description)
            return 0
        case .failure(let broken):
            printError("wharf audit verify: chain broken at \(broken)")
            return 1
        }
    }

    private static func export(_ filter: AuditFilter, format: AuditExport.Format, _ admin: AdminContext) async throws -> Int32 {
        var parameters = ["format": format.rawValue]
        for (name, value) in filter.pairs { parameters["filter_" + name] = value }
        let entry = admin.actor.entry("audit.export", target: "audit_log", parameters: parameters)
        _ = try await admin.database.write { connection in try AuditLog.append(entry, on: connection) }
        let count = try await AuditExport.run(filter, format: format, database: admin.database) { bytes in try writeOut(bytes) }
        printError("Exported \(count) rows.")
        return 0
    }

    private static func purge(before: Int64, confirmed: Bool, _ admin: AdminContext) async throws -> Int32 {
        let plan = try await admin.database.read { connection in try AuditPurge.plan(before: before, on: connection) }
        let cut = AuditTime.iso(before)
        if plan.count == 0 {
            print("No audit rows are older than \(cut); nothing to purge.")
            return 0
        }
        if !confirmed {
            printError("Delete \(plan.count) audit rows (ids \(plan.firstID ?? 0)–\(plan.lastID ?? 0)) older than \(cut)? Type yes to confirm: ")
            guard readLine(strippingNewline: true)?.filter({ $0 != " " && $0 != "\r" }) == "yes" else {
                printError("wharf audit purge: not confirmed; nothing was deleted (pass --yes to skip the question)")
                return 1
            }
        }
        let actor = admin.actor
        let done = try await admin.database.write { connection in
            try AuditPurge.purge(before: before, by: actor, now: AuditEntry.now(), on: connection)
        }
        print("Purged \(done.count) audit rows (ids \(done.firstID ?? 0)–\(done.lastID ?? 0)) older than \(cut); the chain continues from row \(done.lastID ?? 0)'s hash.")
        return 0
    }

    /// Writes all of `bytes` to standard output.
    private static func writeOut(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw CommandFailure("cannot write to standard output (errno \(errno))")
            }
            offset += written
        }
    }
}
