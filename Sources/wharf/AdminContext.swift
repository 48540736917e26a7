import Glibc
import WharfApp
import WharfSQLite

/// What every administration subcommand needs: the database found through `--data-dir` /
/// `WHARF_DATA_DIR` and `--resources` / `WHARF_RESOURCES` exactly as `wharf serve` finds it, the
/// account services, and the audit actor (source `cli`, the invoking system user).
struct AdminContext {
    let database: Database
    let accounts: AccountServices
    let actor: AuditActor
    let dataDirectory: String

    /// Options every subcommand accepts besides its own.
    static let commonOptions: Set<String> = ["--data-dir", "--resources"]

    static func open(_ arguments: CommandLineArguments) async throws -> AdminContext {
        let resources = try WharfConfiguration.locateResources(
            explicit: arguments.value("--resources", environment: "WHARF_RESOURCES"), executable: CommandLine.arguments[0])
        let dataDirectory = arguments.value("--data-dir", environment: "WHARF_DATA_DIR") ?? WharfConfiguration.defaultDataDirectory
        let (database, secretKey) = try await WharfStore.open(dataDirectory: dataDirectory, resourcesDirectory: resources)
        do {
            let accounts = try await AccountServices.make(database: database, secretKey: secretKey)
            return AdminContext(
                database: database, accounts: accounts, actor: AuditActor(source: .cli, actorName: systemUser()),
                dataDirectory: dataDirectory)
        } catch {
            await database.close()
            throw error
        }
    }

    func close() async { await database.close() }

    /// `cli:<login name>` of whoever runs the command, for the audit row.
    private static func systemUser() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return "cli:" + String(cString: name) }
        return "cli:uid \(geteuid())"
    }
}

/// A subcommand's failure, printed as `wharf <command>: <message>`; exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension AdminContext {
    /// The subcommand named first; or, for `--help`/`-h` or nothing, the usage printed and the
    /// status to exit with (0 when asked for, 2 when missing).
    static func subcommand(_ arguments: ArraySlice<String>, command: String, usage: String) -> Result<String, ExitStatus> {
        guard let subcommand = arguments.first, !subcommand.hasPrefix("-") else {
            let asksHelp = arguments.first == "--help" || arguments.first == "-h"
            printError(asksHelp ? usage : "wharf \(command): missing subcommand\n\n\(usage)")
            return .failure(ExitStatus(code: asksHelp ? 0 : 2))
        }
        return .success(subcommand)
    }

    /// Opens the database for `parsed`, runs `body` and closes it again; a failure is printed as
    /// `<label>: <error>` and exits with status 1.
    static func run(_ parsed: CommandLineArguments, label: String, _ body: (AdminContext) async throws -> Int32) async -> Int32 {
        do {
            let admin = try await AdminContext.open(parsed)
            do {
                let status = try await body(admin)
                await admin.close()
                return status
            } catch {
                await admin.close()
                throw error
            }
        } catch {
            printError("\(label): \(error)")
            return 1
        }
    }
}

/// The status a command exits with before doing its work (help, usage errors).
struct ExitStatus: Error {
    let code: Int32
}
