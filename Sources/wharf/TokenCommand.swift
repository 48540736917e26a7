import WharfApp

/// `wharf token create`: an API token for a user, printed once.
enum TokenCommand {
    static let usage = """
        Usage: wharf token create --username NAME --name LABEL [--expires-days N] [--role ROLE]
                                  [--data-dir DIR] [--resources DIR]

        Creates an API token for NAME and prints it once; only its hash is kept. Send it as
        `Authorization: Bearer <token>`. --role (default: the user's role) may not exceed the user's.
        """

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        guard arguments.first == "create" else {
            let asksHelp = arguments.first == "--help" || arguments.first == "-h"
            printError(asksHelp ? usage : "wharf token: \(arguments.first.map { "unknown subcommand \($0)" } ?? "missing subcommand")\n\n\(usage)")
            return asksHelp ? 0 : 2
        }
        let parsed: CommandLineArguments
        var days: Int?
        var role: Role?
        do {
            parsed = try CommandLineArguments(
                arguments.dropFirst(), options: AdminContext.commonOptions.union(["--username", "--name", "--expires-days", "--role"]))
            guard parsed.positionals.isEmpty else { throw CommandLineArguments.UsageError(description: "unexpected argument \(parsed.positionals[0])") }
            guard parsed.value("--username") != nil, parsed.value("--name") != nil else {
                throw CommandLineArguments.UsageError(description: "create needs --username NAME and --name LABEL")
            }
            if let text = parsed.value("--expires-days") {
                guard let value = Int(text), value > 0 else {
                    throw CommandLineArguments.UsageError(description: "--expires-days must be a positive number of days")
                }
                days = value
            }
            if let text = parsed.value("--role") {
                guard let value = Role(rawValue: text) else {
                    throw CommandLineArguments.UsageError(description: "--role must be admin, operator or viewer")
                }
                role = value
            }
        } catch {
            printError("wharf token: \(error)\n\n\(usage)")
            return 2
        }
        return await AdminContext.run(parsed, label: "wharf token create") { admin in
            let user = try await UserCommand.find(parsed.value("--username") ?? "", admin)
            let created = try await admin.accounts.createToken(
                userID: user.id, name: parsed.value("--name") ?? "", role: role, expiresInDays: days, by: admin.actor)
            print(created.secret)
            printError("Token \(created.token.prefix) (\(created.token.role.rawValue)) for \(user.username)"
                + (days.map { ", expires in \($0) days" } ?? ", no expiry") + ". It is shown only this once.")
            return 0
        }
    }
}
