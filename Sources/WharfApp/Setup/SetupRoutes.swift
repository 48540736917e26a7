import WharfHTTP
import WharfSQLite
import WharfTemplates

/// First run: `/setup?token=…` (the address printed at start-up while there are no users)
/// creates the first admin, once, and signs them in.
struct SetupRoutes {
    let pages: Pages
    let services: AccountServices

    static let fields = [
        FieldView("username", label: "Username", autocomplete: "username", autofocus: true),
        FieldView("password", label: "Password", type: "password", autocomplete: "new-password",
                  hint: "At least \(PasswordHasher.minimumLength) characters."),
        FieldView("confirm", label: "Password again", type: "password", autocomplete: "new-password"),
    ]

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/setup", permission: Permission.anonymous) { request, context in
            let token = request.queryValue("token") ?? ""
            let now = services.time.now()
            do {
                try await services.database.read { connection in try SetupTokens.check(token, now: now, on: connection) }
            } catch let refusal as SetupTokens.Refusal {
                return try page(context: context, token: "", state: FormState(), refusal: refusal)
            }
            return try page(context: context, token: token, state: FormState())
        }
        router.add(.post, "/setup", permission: Permission.anonymous) { request, context in
            try await setUp(request, context)
        }
    }

    private func page(
        context: RequestContext, token: String, state: FormState, refusal: SetupTokens.Refusal? = nil, status: HTTPStatus? = nil
    ) throws -> HTTPResponse {
        let message: String? = switch refusal {
        case nil: nil
        case .alreadySetUp: "Wharf is already set up. Sign in, or ask an admin for an account."
        case .unknown: "This setup address is not valid. Use the full address printed in the server log at start-up."
        case .expired: "This setup address has expired (it is valid for one hour). Restart Wharf to print a new one."
        case .used: "This setup address was already used."
        }
        return try pages.render(
            "setup/index", title: "Set up Wharf", status: status ?? (refusal == nil ? .ok : .forbidden), context: context,
            values: [
                "fields": FieldView.values(Self.fields, state),
                "form": state.templateValue(fields: []),
                "token": .text(token),
                "refusal": message.map(TemplateValue.text) ?? .null,
                "alreadySetUp": .bool(refusal == .alreadySetUp),
            ])
    }

    private func setUp(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let form = try await Form.read(request)
        let token = form["token"] ?? ""
        let username = form.text("username")
        let password = form["password"] ?? ""
        var state = FormState(["username": username])
        if let problem = Username.problem(with: username) { state.fail("username", problem) }
        if let problem = PasswordHasher.problem(with: password) { state.fail("password", problem) }
        if password != (form["confirm"] ?? "") { state.fail("confirm", "The two passwords differ.") }
        let now = services.time.now()
        do {
            try await services.database.read { connection in try SetupTokens.check(token, now: now, on: connection) }
        } catch let refusal as SetupTokens.Refusal {
            return try page(context: context, token: "", state: state, refusal: refusal)
        }
        if state.hasErrors {
            return try page(context: context, token: token, state: state, status: .unprocessableContent)
        }
        let hash = try await services.hasher.hash(password)
        let user: User
        do {
            user = try await services.database.write { connection in
                try SetupTokens.use(token, now: now, on: connection)
                let id = try UserRepository.insert(username: username, role: .admin, passwordHash: hash, now: now, on: connection)
                var entry = context.auditEntry("auth.setup.ok", target: username, parameters: ["role": "admin", "user_id": String(id)])
                entry.actorID = id
                entry.actorName = username
                try AuditLog.append(entry, on: connection)
                guard let user = try UserRepository.find(id: id, on: connection) else { throw AccountError.userNotFound }
                return user
            }
        } catch let refusal as SetupTokens.Refusal {
            // Another browser finished setup between the check and this transaction.
            return try page(context: context, token: "", state: state, refusal: refusal)
        }
        return try await SessionCookie.start(user: user, redirectTo: "/", factor: "setup", services: services, context: context)
    }
}
