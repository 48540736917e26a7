import WharfHTTP
import WharfSQLite
import WharfTemplates

/// The admin pages for users: list, create, and per user change role, disable or enable, reset
/// the password, end sessions. Also the instance-wide "require two-step sign-in" setting.
struct UserRoutes {
    let pages: Pages
    let services: AccountServices

    static let createFields = [
        FieldView("username", label: "Username", autocomplete: "off", hint: "Letters, digits, dots, dashes, underscores, @.", autofocus: true),
        FieldView("password", label: "Password", type: "password", autocomplete: "new-password",
                  hint: "At least \(PasswordHasher.minimumLength) characters. Tell it to the user another way."),
        FieldView("confirm", label: "Password again", type: "password", autocomplete: "new-password"),
    ]
    static let resetFields = [
        FieldView("password", label: "New password", type: "password", autocomplete: "new-password",
                  hint: "At least \(PasswordHasher.minimumLength) characters. Ends the user's sessions."),
        FieldView("confirm", label: "New password again", type: "password", autocomplete: "new-password"),
    ]
    static let notices = [
        "created": "User created.", "role": "Role changed; the user's sessions were ended.",
        "disabled": "User disabled; their sessions were ended.", "enabled": "User enabled.",
        "password": "Password reset; the user's sessions were ended.", "sessions": "All of the user's sessions were ended.",
        "settings": "Settings saved.", "token": "Token revoked.",
    ]

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/users", permission: Permission.admin) { request, context in
            try await list(context, notice: request.queryValue("done"))
        }
        router.add(.get, "/users/new", permission: Permission.admin) { _, context in
            try newPage(context, state: FormState(), role: .viewer)
        }
        router.add(.post, "/users", permission: Permission.admin) { request, context in
            try await create(request, context)
        }
        router.add(.get, "/users/:id", permission: Permission.admin) { request, context in
            try await detail(try await user(context), context, notice: request.queryValue("done"))
        }
        router.add(.post, "/users/:id/role", permission: Permission.admin) { request, context in
            let user = try await user(context)
            let form = try await Form.read(request)
            guard let role = Role(rawValue: form.text("role")) else {
                throw HTTPError(.unprocessableContent, "Choose admin, operator or viewer.")
            }
            return try await change(user, context, done: "role") {
                try await services.changeRole(userID: user.id, to: role, by: context.auditActor)
            }
        }
        router.add(.post, "/users/:id/disable", permission: Permission.admin) { _, context in
            let user = try await user(context)
            return try await change(user, context, done: "disabled") {
                try await services.setDisabled(userID: user.id, true, by: context.auditActor)
            }
        }
        router.add(.post, "/users/:id/enable", permission: Permission.admin) { _, context in
            let user = try await user(context)
            return try await change(user, context, done: "enabled") {
                try await services.setDisabled(userID: user.id, false, by: context.auditActor)
            }
        }
        router.add(.post, "/users/:id/password", permission: Permission.admin) { request, context in
            let user = try await user(context)
            let form = try await Form.read(request)
            let password = form["password"] ?? ""
            var state = FormState()
            if let problem = PasswordHasher.problem(with: password) { state.fail("password", problem) }
            if password != (form["confirm"] ?? "") { state.fail("confirm", "The two passwords differ.") }
            if state.hasErrors { return try await detail(user, context, reset: state, status: .unprocessableContent) }
            // On oneself this is a password change: the current password (and code) first.
            if user.id == context.principal?.userID,
               let status = try await Reauthentication(services: services).confirm(form, user: user, context: context, state: &state) {
                return try await detail(user, context, reset: state, status: status)
            }
            return try await change(user, context, done: "password") {
                try await services.setPassword(
                    userID: user.id, password: password, action: "user.password.reset", revokingTokens: true, by: context.auditActor)
            }
        }
        router.add(.post, "/users/:id/sessions/revoke", permission: Permission.admin) { _, context in
            let user = try await user(context)
            return try await change(user, context, done: "sessions") {
                try await services.revokeSessions(userID: user.id, by: context.auditActor)
            }
        }
        router.add(.post, "/settings/security", permission: Permission.admin) { request, context in
            let form = try await Form.read(request)
            let require = form["require_totp"] == "1"
            let now = services.time.now()
            try await services.database.write { connection in
                let before = try SecuritySettings.requireTOTP(on: connection)
                guard before != require else { return }
                try SecuritySettings.setRequireTOTP(require, now: now, on: connection)
                try AuditLog.append(context.auditEntry(
                    "settings.change", target: "require_totp", parameters: ["from": before ? "1" : "0", "to": require ? "1" : "0"]),
                    on: connection)
            }
            return .redirect(to: "/users?done=settings")
        }
    }

    private func user(_ context: RequestContext) async throws -> User {
        guard let id = context.parameters["id"].flatMap({ Int64($0) }), let user = try await services.user(id: id) else {
            throw HTTPError(.notFound, "There is no such user. It may have been removed; go back to the list of users.")
        }
        return user
    }

    /// Runs an admin change, then redirects to the user's page; refusals are shown on that page.
    private func change(
        _ user: User, _ context: RequestContext, done: String, _ body: () async throws -> Void
    ) async throws -> HTTPResponse {
        do {
            try await body()
        } catch let error as AccountError {
            return try await detail(user, context, message: error.description, status: .conflict)
        }
        // Changing one's own role ends one's own session too: back to sign-in.
        if user.id == context.principal?.userID, done == "role" || done == "disabled" || done == "sessions" || done == "password" {
            return .redirect(to: "/signin")
        }
        return .redirect(to: "/users/\(user.id)?done=\(done)")
    }

    private func create(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let form = try await Form.read(request)
        let username = form.text("username")
        let password = form["password"] ?? ""
        let role = Role(rawValue: form.text("role"))
        var state = FormState(["username": username])
        if role == nil { state.fail("role", "Choose a role.") }
        if password != (form["confirm"] ?? "") { state.fail("confirm", "The two passwords differ.") }
        if let problem = Username.problem(with: username) { state.fail("username", problem) }
        if let problem = PasswordHasher.problem(with: password) { state.fail("password", problem) }
        guard let role, !state.hasErrors else {
            return try newPage(context, state: state, role: role ?? .viewer, status: .unprocessableContent)
        }
        do {
            let user = try await services.createUser(username: username, role: role, password: password, by: context.auditActor)
            return .redirect(to: "/users/\(user.id)?done=created")
        } catch AccountError.invalid(let field, let message) {
            state.fail(field, message)
            return try newPage(context, state: state, role: role, status: .unprocessableContent)
        }
    }
}
