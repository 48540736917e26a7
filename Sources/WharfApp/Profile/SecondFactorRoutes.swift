import WharfHTTP
import WharfSQLite
import WharfTemplates
import WharfTLS
import WharfWire

/// Enrolling and removing TOTP two-step sign-in on one's own account.
///
/// Enrolment starts with a POST (`/profile/totp/start`, the page's "Set up" button) that makes a
/// pending secret; the page then shows it (base32, and the `otpauth://` address apps import), the
/// same one on every reload. Viewing the page never changes anything. The secret becomes active
/// only when a code from it is entered, which also shows ten recovery codes once and gives the
/// session a new id (a privilege change).
struct SecondFactorRoutes {
    let pages: Pages
    let services: AccountServices

    static let codeFields = [
        FieldView("code", label: "Code from the app", autocomplete: "one-time-code", hint: "6 digits", autofocus: true),
    ]
    /// Removing two-step sign-in asks for the password and a code.
    var removal: Reauthentication { Reauthentication(services: services, passwordField: "password", codeField: "code") }

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/profile/totp", permission: Permission.enrolling) { _, context in
            try await page(context, state: FormState())
        }
        router.add(.post, "/profile/totp/start", permission: Permission.enrolling) { _, context in
            try await start(context)
        }
        router.add(.post, "/profile/totp", permission: Permission.enrolling) { request, context in
            try await enable(request, context)
        }
        router.add(.post, "/profile/totp/remove", permission: Permission.account) { request, context in
            try await remove(request, context)
        }
    }

    private func page(
        _ context: RequestContext, state: FormState, removeState: FormState = FormState(), recoveryCodes: [String]? = nil,
        status: HTTPStatus = .ok
    ) async throws -> HTTPResponse {
        guard let principal = context.principal, let user = try await services.user(id: principal.userID) else {
            throw HTTPError(.unauthorized)
        }
        var secret: [UInt8]?
        if !user.hasTOTP {
            secret = try await services.database.read { connection in
                try UserRepository.totpState(userID: user.id, key: services.secretKey, on: connection).pending
            }
        }
        let requireTOTP = try await services.requireTOTP()
        return try pages.render("profile/totp", title: "Two-step sign-in", status: status, context: context, section: "profile", values: [
            "enabled": .bool(user.hasTOTP),
            "started": .bool(secret != nil),
            "required": .bool(requireTOTP),
            "mustEnrol": .bool(principal.mustEnrolSecondFactor),
            "secret": .text(secret.map { Base32.grouped(Base32.encode($0)) } ?? ""),
            "uri": .text(secret.map { TOTP.provisioningURI(secret: $0, account: user.username) } ?? ""),
            "fields": FieldView.values(Self.codeFields, state),
            "removeFields": FieldView.list(removal.fields(for: user), removeState, prefix: "remove-"),
            "recoveryCodes": recoveryCodes.map { .list($0.map(TemplateValue.text)) } ?? .null,
        ])
    }

    /// Makes the pending secret, unless there is one (kept until enrolment completes, so the page
    /// shows the same one until then). It grants nothing by itself, so it is not an audited change.
    private func start(_ context: RequestContext) async throws -> HTTPResponse {
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        let key = services.secretKey
        try await services.database.write { connection in
            let state = try UserRepository.totpState(userID: principal.userID, key: key, on: connection)
            guard state.secret == nil, state.pending == nil else { return }
            try UserRepository.setPendingTOTPSecret(
                SecureRandom.bytes(TOTP.secretByteCount), userID: principal.userID, key: key, on: connection)
        }
        return .redirect(to: "/profile/totp")
    }

    private func enable(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        let form = try await Form.read(request)
        let code = form.text("code")
        let now = services.time.now()
        let codes = RecoveryCodes.generate()
        let hashes = codes.map { RecoveryCodes.hash($0, key: services.recoveryCodeKey) }
        let rotated = try await services.database.write { connection -> String? in
            let state = try UserRepository.totpState(userID: principal.userID, key: services.secretKey, on: connection)
            guard state.secret == nil, let pending = state.pending,
                  let step = TOTP.matchingStep(code: code, secret: pending, atMilliseconds: now, lastUsedStep: nil) else { return nil }
            try UserRepository.enableTOTP(
                secret: pending, step: step, recoveryCodeHashes: hashes, userID: principal.userID, now: now,
                key: services.secretKey, on: connection)
            // A privilege change: the session gets a new id.
            var rawID: String?
            if let old = principal.sessionID {
                try SessionStore.delete(id: old, on: connection)
                rawID = try SessionStore.create(userID: principal.userID, client: context.client, now: now, on: connection).rawID
            }
            try AuditLog.append(context.auditEntry("profile.totp.enable", target: principal.username), on: connection)
            return rawID ?? ""
        }
        guard let rotated else {
            var state = FormState()
            state.fail("code", code.isEmpty ? "Enter the 6-digit code your app shows." : "That code is not right. Check the app's clock and try the next code.")
            return try await page(context, state: state, status: .unprocessableContent)
        }
        var next = context
        if !rotated.isEmpty, let principal = context.principal {
            next.principal = Principal(
                userID: principal.userID, username: principal.username, role: principal.role, credential: principal.credential,
                csrfToken: services.signer.csrfToken(session: rotated))
            next.formToken = next.principal?.csrfToken
        }
        var response = try await page(next, state: FormState(), recoveryCodes: codes)
        if !rotated.isEmpty { response.headers.add("Set-Cookie", SessionCookie.cookie(rawID: rotated, services: services, context: context)) }
        return response
    }

    private func remove(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        let form = try await Form.read(request)
        var removeState = FormState()
        if try await services.requireTOTP() {
            removeState.fail("password", "Admins require two-step sign-in for everyone, so it cannot be turned off.")
            return try await page(context, state: FormState(), removeState: removeState, status: .conflict)
        }
        guard let user = try await services.user(id: principal.userID) else { throw HTTPError(.unauthorized) }
        if let status = try await removal.confirm(form, user: user, context: context, state: &removeState) {
            return try await page(context, state: FormState(), removeState: removeState, status: status)
        }
        let now = services.time.now()
        try await services.database.write { connection in
            try UserRepository.disableTOTP(userID: principal.userID, now: now, on: connection)
            try AuditLog.append(context.auditEntry("profile.totp.disable", target: principal.username), on: connection)
        }
        return .redirect(to: "/profile?done=totp")
    }
}
