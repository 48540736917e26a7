import WharfHTTP
import WharfSQLite
import WharfTemplates
import WharfTLS
import WharfWire

/// Enrolling and removing TOTP two-step sign-in on one's own account.
///
/// Enrolment shows a new secret (base32, and the `otpauth://` address apps import); the secret
/// becomes active only when a code from it is entered, which also shows ten recovery codes once
/// and gives the session a new id (a privilege change).
struct SecondFactorRoutes {
    let pages: Pages
    let services: AccountServices

    static let codeFields = [
        FieldView("code", label: "Code from the app", autocomplete: "one-time-code", hint: "6 digits", autofocus: true),
    ]
    static let removeFields = [
        FieldView("password", label: "Your password", type: "password", autocomplete: "current-password"),
    ]

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/profile/totp", permission: Permission.enrolling) { _, context in
            try await page(context, state: FormState())
        }
        router.add(.post, "/profile/totp", permission: Permission.enrolling) { request, context in
            try await enable(request, context)
        }
        router.add(.post, "/profile/totp/remove", permission: Permission.signedIn) { request, context in
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
            // The pending secret is kept until enrolment completes, so a reload shows the same one.
            // It grants nothing by itself, so creating it is not an audited change.
            secret = try await services.database.write { connection -> [UInt8] in
                if let pending = try UserRepository.totpState(userID: user.id, key: services.secretKey, on: connection).pending {
                    return pending
                }
                let fresh = SecureRandom.bytes(TOTP.secretByteCount)
                try UserRepository.setPendingTOTPSecret(fresh, userID: user.id, key: services.secretKey, on: connection)
                return fresh
            }
        }
        let requireTOTP = try await services.requireTOTP()
        return try pages.render("profile/totp", title: "Two-step sign-in", status: status, context: context, section: "profile", values: [
            "enabled": .bool(user.hasTOTP),
            "required": .bool(requireTOTP),
            "mustEnrol": .bool(principal.mustEnrolSecondFactor),
            "secret": .text(secret.map { Base32.grouped(Base32.encode($0)) } ?? ""),
            "uri": .text(secret.map { TOTP.provisioningURI(secret: $0, account: user.username) } ?? ""),
            "fields": FieldView.values(Self.codeFields, state),
            "removeFields": FieldView.values(Self.removeFields, removeState, prefix: "remove-"),
            "recoveryCodes": recoveryCodes.map { .list($0.map(TemplateValue.text)) } ?? .null,
        ])
    }

    private func enable(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        guard let principal = context.principal else { throw HTTPError(.unauthorized) }
        let form = try await Form.read(request)
        let code = form.text("code")
        let now = services.time.now()
        let codes = RecoveryCodes.generate()
        let hashes = codes.map(RecoveryCodes.hash)
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
        let stored = try await services.database.read { connection in
            try UserRepository.passwordHash(userID: principal.userID, on: connection)
        }
        let password = form["password"] ?? ""
        guard !password.isEmpty, try await services.hasher.verify(password, against: stored ?? services.dummyHash).matches else {
            removeState.fail("password", "This is not your password.")
            return try await page(context, state: FormState(), removeState: removeState, status: .unprocessableContent)
        }
        let now = services.time.now()
        try await services.database.write { connection in
            try UserRepository.disableTOTP(userID: principal.userID, now: now, on: connection)
            try AuditLog.append(context.auditEntry("profile.totp.disable", target: principal.username), on: connection)
        }
        return .redirect(to: "/profile?done=totp")
    }
}
