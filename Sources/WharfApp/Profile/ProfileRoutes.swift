import WharfHTTP
import WharfSQLite
import WharfTemplates

/// The signed-in user's own page: change password, two-step sign-in, sessions and API tokens.
struct ProfileRoutes {
    let pages: Pages
    let services: AccountServices

    static let passwordFields = [
        FieldView("current", label: "Current password", type: "password", autocomplete: "current-password"),
        FieldView("password", label: "New password", type: "password", autocomplete: "new-password",
                  hint: "At least \(PasswordHasher.minimumLength) characters. Your other sessions end."),
        FieldView("confirm", label: "New password again", type: "password", autocomplete: "new-password"),
    ]
    static let tokenFields = [
        FieldView("name", label: "Name", hint: "What uses it, e.g. ci-runner."),
        FieldView("expires_days", label: "Expires after (days)", type: "number", hint: "Empty for no expiry.", required: false),
    ]
    static let notices = [
        "password": "Password changed. Your other sessions were ended.",
        "session": "That session was signed out.", "token": "Token revoked.",
        "totp": "Two-step sign-in is off.",
    ]

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/profile", permission: Permission.account) { request, context in
            try await page(context, notice: request.queryValue("done").flatMap { Self.notices[$0] })
        }
        router.add(.post, "/profile/password", permission: Permission.account) { request, context in
            try await changePassword(request, context)
        }
        router.add(.post, "/profile/sessions/:id/revoke", permission: Permission.account) { _, context in
            try await revokeSession(context)
        }
        router.add(.post, "/profile/tokens", permission: Permission.account) { request, context in
            try await createToken(request, context)
        }
        router.add(.post, "/profile/tokens/:id/revoke", permission: Permission.account) { _, context in
            try await revokeToken(context)
        }
        SecondFactorRoutes(pages: pages, services: services).register(into: &router)
    }

    /// The re-authentication the password form asks for.
    var passwordReauthentication: Reauthentication { Reauthentication(services: services) }
    /// The re-authentication the token form asks for, before an admin-role token.
    var tokenReauthentication: Reauthentication {
        Reauthentication(services: services, passwordField: "token_current", codeField: "token_code")
    }

    private func changePassword(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        guard let principal = context.principal, let user = try await services.user(id: principal.userID) else {
            throw HTTPError(.unauthorized)
        }
        let form = try await Form.read(request)
        let password = form["password"] ?? ""
        var state = FormState()
        if let problem = PasswordHasher.problem(with: password) { state.fail("password", problem) }
        if password != (form["confirm"] ?? "") { state.fail("confirm", "The two passwords differ.") }
        if let status = try await passwordReauthentication.confirm(form, user: user, context: context, state: &state) {
            return try await page(context, password: state, status: status)
        }
        try await services.setPassword(
            userID: principal.userID, password: password, action: "profile.password.change",
            keepingSession: principal.sessionID, by: context.auditActor)
        return .redirect(to: "/profile?done=password")
    }

    private func createToken(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        guard let principal = context.principal, let user = try await services.user(id: principal.userID) else {
            throw HTTPError(.unauthorized)
        }
        let form = try await Form.read(request)
        var state = FormState(["name": form.text("name"), "expires_days": form.text("expires_days")])
        let role = Role(rawValue: form.text("role"))
        var days: Int?
        if !form.text("expires_days").isEmpty {
            days = Int(form.text("expires_days"))
            if days == nil { state.fail("expires_days", "Enter a whole number of days, or leave it empty.") }
        }
        var status = HTTPStatus.unprocessableContent
        // An admin token is as good as the admin's session, and outlives it: confirm first.
        if !state.hasErrors, (role ?? user.role) == .admin,
           let refused = try await tokenReauthentication.confirm(form, user: user, context: context, state: &state) {
            status = refused
        }
        if !state.hasErrors {
            do {
                let created = try await services.createToken(
                    userID: principal.userID, name: form.text("name"), role: role, expiresInDays: days, by: context.auditActor,
                    cappedBy: principal)
                return try await page(context, newToken: created.secret)
            } catch AccountError.invalid(let field, let message) {
                state.fail(field, message)
            }
        }
        return try await page(context, token: state, tokenRole: role, status: status)
    }
}
