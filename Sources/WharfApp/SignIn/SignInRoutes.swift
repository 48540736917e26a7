import WharfHTTP
import WharfSQLite
import WharfTemplates
import WharfTLS
import WharfWire

/// Sign-in (password, then the second factor when the user has one) and sign-out.
struct SignInRoutes {
    let pages: Pages
    let services: AccountServices

    static let fields = [
        FieldView("username", label: "Username", autocomplete: "username", autofocus: true),
        FieldView("password", label: "Password", type: "password", autocomplete: "current-password"),
    ]
    static let notices = ["signout": "You are signed out.", "password": "Your password was changed; sign in with the new one."]

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/signin", permission: Permission.anonymous) { request, context in
            if context.principal != nil { return .redirect(to: LocalPath.validated(request.queryValue("next")) ?? "/") }
            var state = FormState()
            state.set("username", request.queryValue("username") ?? "")
            return try await page(context: context, state: state, next: request.queryValue("next") ?? "",
                                  notice: request.queryValue("done").flatMap { Self.notices[$0] })
        }
        router.add(.post, "/signin", permission: Permission.anonymous) { request, context in
            try await signIn(request, context)
        }
        router.add(.post, "/signout", permission: Permission.enrolling) { _, context in
            try await signOut(context)
        }
        SecondFactorSignIn(pages: pages, services: services).register(into: &router)
    }

    private func page(
        context: RequestContext, state: FormState, next: String, notice: String? = nil, status: HTTPStatus = .ok
    ) async throws -> HTTPResponse {
        let users = try await services.database.read { connection in try UserRepository.count(on: connection) }
        return try pages.render("signin/index", title: "Sign in", status: status, context: context, values: [
            "fields": FieldView.values(Self.fields, state),
            "form": state.templateValue(fields: []),
            "next": .text(LocalPath.validated(next) ?? ""),
            "notice": notice.map(TemplateValue.text) ?? .null,
            "notSetUp": .bool(users == 0),
        ])
    }

    private func signIn(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let form = try await Form.read(request)
        let username = form.text("username")
        let password = form["password"] ?? ""
        let next = LocalPath.validated(form["next"]) ?? "/"
        var state = FormState(["username": username])
        if username.isEmpty { state.fail("username", "Enter your username.") }
        if password.isEmpty { state.fail("password", "Enter your password.") }
        if state.hasErrors { return try await page(context: context, state: state, next: next, status: .unprocessableContent) }

        let user: User
        let needsRehash: Bool
        switch try await services.checkPassword(username: username, password: password, address: context.client.address) {
        case .matched(let matched, let rehash):
            (user, needsRehash) = (matched, rehash)
        case .throttled(let wait):
            try await services.denials.record(context.auditEntry(
                "auth.signin.throttled", outcome: .denied, target: username, httpStatus: .tooManyRequests))
            state.message = "Too many failed sign-ins. Wait \(Self.describe(seconds: wait)) and try again."
            return try await tooMany(context, state: state, next: next, wait: wait)
        case .busy(let wait):
            try await services.denials.record(context.auditEntry(
                "auth.signin.busy", outcome: .denied, target: username, httpStatus: .tooManyRequests))
            state.message = "Wharf is busy checking other sign-ins from your network. Wait a moment and try again."
            return try await tooMany(context, state: state, next: next, wait: wait)
        case .failed(let found, let reason):
            try await services.audit.record(context.auditEntry(
                "auth.signin.failed", outcome: .failed, target: username, parameters: ["reason": reason],
                httpStatus: .unauthorized))
            state.message = found != nil && reason == "user disabled"
                ? "This account is disabled. Ask an admin to enable it."
                : "The username or password is not right. Check both and try again."
            state.fail("password", "Enter the password again.")
            return try await page(context: context, state: state, next: next, status: .unauthorized)
        }
        if needsRehash {
            let hash = try await services.hasher.hash(password)
            let now = services.time.now()
            try await services.database.write { connection in
                try UserRepository.setPasswordHash(hash, userID: user.id, now: now, on: connection)
                try AuditLog.append(context.auditEntry(
                    "user.password.rehash", target: user.username,
                    parameters: ["parameters": services.hasher.parameters.description]), on: connection)
            }
        }
        if user.hasTOTP {
            var response = HTTPResponse.redirect(to: "/signin/totp")
            response.headers.add("Set-Cookie", SecondFactorSignIn.pendingCookie(
                userID: user.id, next: next, services: services, context: context))
            return response
        }
        return try await SessionCookie.start(
            user: user, redirectTo: next, factor: "password", services: services, context: context)
    }

    /// The form again with 429 and `Retry-After`.
    private func tooMany(_ context: RequestContext, state: FormState, next: String, wait: Int64) async throws -> HTTPResponse {
        var response = try await page(context: context, state: state, next: next, status: .tooManyRequests)
        response.headers.set("Retry-After", String(wait))
        return response
    }

    private func signOut(_ context: RequestContext) async throws -> HTTPResponse {
        if let id = context.principal?.sessionID {
            try await services.database.write { connection in
                try SessionStore.delete(id: id, on: connection)
                try AuditLog.append(context.auditEntry("auth.signout", target: context.principal?.username), on: connection)
            }
        }
        var response = HTTPResponse.redirect(to: "/signin?done=signout")
        response.headers.add("Set-Cookie", SessionCookie.clear(context: context))
        return response
    }

    /// "5 minutes", "40 seconds".
    static func describe(seconds: Int64) -> String {
        if seconds >= 90 { return "\((seconds + 59) / 60) minutes" }
        return seconds == 1 ? "1 second" : "\(seconds) seconds"
    }
}
