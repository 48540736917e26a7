import WharfApp

/// `wharf user create|list|set-password|disable|remove-two-step`: account administration from the shell, working
/// while the server runs (SQLite's WAL and busy timeout let both write). Every change is audited
/// with source `cli`.
enum UserCommand {
    static let usage = """
        Usage: wharf user <subcommand> [--data-dir DIR] [--resources DIR]

        Subcommands:
          create --username NAME --role ROLE   Create a user (role: admin, operator or viewer)
          list                                 List users
          set-password NAME                    Set a user's password, end their sessions, revoke their tokens
          disable NAME                         Disable a user, end their sessions, revoke their tokens
          remove-two-step NAME                 Remove a user's second factor (lost phone and codes, or a
                                               lost secret.key: TOTP secrets and recovery codes are kept under it)

        Passwords are read from the terminal twice, without echo; when standard input is not a
        terminal, one line is read from it. Passwords need at least 12 characters.
        --data-dir and --resources work as for wharf serve (env WHARF_DATA_DIR, WHARF_RESOURCES).
        """

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        let subcommand: String
        switch AdminContext.subcommand(arguments, command: "user", usage: usage) {
        case .success(let name): subcommand = name
        case .failure(let exit): return exit.code
        }
        let parsed: CommandLineArguments
        do {
            let options: Set<String> = subcommand == "create" ? ["--username", "--role"] : []
            parsed = try CommandLineArguments(arguments.dropFirst(), options: options.union(AdminContext.commonOptions))
            try validate(subcommand, parsed)
        } catch {
            printError("wharf user: \(error)\n\n\(usage)")
            return 2
        }
        return await AdminContext.run(parsed, label: "wharf user \(subcommand)") { admin in
            try await perform(subcommand, parsed, admin)
        }
    }

    private static func validate(_ subcommand: String, _ parsed: CommandLineArguments) throws(CommandLineArguments.UsageError) {
        switch subcommand {
        case "create":
            guard parsed.positionals.isEmpty else { throw .init(description: "unexpected argument \(parsed.positionals[0])") }
            guard parsed.value("--username") != nil else { throw .init(description: "create needs --username NAME") }
            guard let role = parsed.value("--role") else { throw .init(description: "create needs --role ROLE") }
            guard Role(rawValue: role) != nil else { throw .init(description: "--role must be admin, operator or viewer") }
        case "list":
            guard parsed.positionals.isEmpty else { throw .init(description: "unexpected argument \(parsed.positionals[0])") }
        case "set-password", "disable", "remove-two-step":
            guard parsed.positionals.count == 1 else { throw .init(description: "\(subcommand) needs exactly one NAME") }
        default:
            throw .init(description: "unknown subcommand \(subcommand)")
        }
    }

    private static func perform(_ subcommand: String, _ parsed: CommandLineArguments, _ admin: AdminContext) async throws -> Int32 {
        switch subcommand {
        case "create":
            let username = parsed.value("--username") ?? ""
            let role = Role(rawValue: parsed.value("--role") ?? "") ?? .viewer
            if let problem = Username.problem(with: username) { throw CommandFailure("--username: \(problem)") }
            let password = try PasswordPrompt.read()
            let user = try await admin.accounts.createUser(username: username, role: role, password: password, by: admin.actor)
            print("Created \(user.role.rawValue) \(user.username) (id \(user.id)).")
        case "list":
            let users = try await admin.accounts.users()
            let width = max(8, users.map(\.username.count).max() ?? 0)
            print(pad("USERNAME", width) + "  ROLE      STATUS    2FA")
            for user in users {
                print(pad(user.username, width) + "  " + pad(user.role.rawValue, 8) + "  "
                      + pad(user.disabled ? "disabled" : "active", 8) + "  " + (user.hasTOTP ? "yes" : "no"))
            }
        case "set-password":
            let user = try await find(parsed.positionals[0], admin)
            let password = try PasswordPrompt.read(prompt: "New password for \(user.username)")
            try await admin.accounts.setPassword(
                userID: user.id, password: password, action: "user.password.reset", revokingTokens: true, by: admin.actor)
            print("Password set for \(user.username); their sessions were ended and their API tokens revoked.")
        case "disable":
            let user = try await find(parsed.positionals[0], admin)
            try await admin.accounts.setDisabled(userID: user.id, true, by: admin.actor)
            print("Disabled \(user.username); their sessions were ended and their API tokens revoked.")
        case "remove-two-step":
            let user = try await find(parsed.positionals[0], admin)
            let removed = try await admin.accounts.removeSecondFactor(userID: user.id, by: admin.actor)
            print(removed ? "Removed \(user.username)'s two-step sign-in; they sign in with their password and may set it up again."
                          : "\(user.username) has no two-step sign-in.")
        default:
            return 2
        }
        return 0
    }

    static func find(_ name: String, _ admin: AdminContext) async throws -> User {
        guard let user = try await admin.accounts.user(named: name) else { throw CommandFailure("there is no user \(name)") }
        return user
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
