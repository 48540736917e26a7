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
        let database = try await WharfStore.open(dataDirectory: dataDirectory, resourcesDirectory: resources)
        do {
            let accounts = try await AccountServices.make(database: database)
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
