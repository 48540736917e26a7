import WharfHTTP
import WharfSQLite
import WharfTemplates
import WharfTLS
import WharfWire

/// The second step of sign-in for users with TOTP: a signed, five-minute cookie says whose
/// password was accepted; the code (or a recovery code) then creates the session.
struct SecondFactorSignIn {
    let pages: Pages
    let services: AccountServices

    static let cookieName = "wharf_2fa"
    static let purpose = "second-factor"
    static let fields = [
        FieldView("code", label: "Code", autocomplete: "one-time-code", hint: "6 digits, or a recovery code like abcde-fghij", autofocus: true),
    ]

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/signin/totp", permission: Permission.anonymous) { request, context in
            guard let pending = pending(request, context), let user = try await services.user(id: pending.userID) else {
                return .redirect(to: "/signin")
            }
            return try page(context: context, username: user.username, state: FormState())
        }
        router.add(.post, "/signin/totp", permission: Permission.anonymous) { request, context in
            try await verify(request, context)
        }
    }

    /// The `Set-Cookie` for a user whose password was just accepted.
    static func pendingCookie(userID: Int64, next: String, services: AccountServices, context: RequestContext) -> String {
        let expires = services.time.now() + services.sessions.policy.secondFactorWindowMilliseconds
        let payload = Base64URL.encode(Array("\(userID):\(expires):\(next)".utf8))
        let secure = context.isSecure
        return Cookies.setCookie(
            Cookies.name(cookieName, secure: secure), services.signer.sign(payload, purpose: purpose), secure: secure,
            maxAge: services.sessions.policy.secondFactorWindowMilliseconds / 1000)
    }

    private func pending(_ request: HTTPRequest, _ context: RequestContext) -> (userID: Int64, next: String)? {
        guard let cookie = Cookies.value(Cookies.name(Self.cookieName, secure: context.isSecure), in: request),
              let payload = services.signer.verify(cookie, purpose: Self.purpose),
              let bytes = Base64URL.decode(payload), let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let userID = Int64(parts[0]), let expires = Int64(parts[1]),
              services.time.now() < expires else { return nil }
        return (userID, LocalPath.validated(String(parts[2])) ?? "/")
    }

    private func page(context: RequestContext, username: String, state: FormState, status: HTTPStatus = .ok) throws -> HTTPResponse {
        try pages.render("signin/totp", title: "Two-step sign-in", status: status, context: context, values: [
            "fields": FieldView.values(Self.fields, state),
            "form": state.templateValue(fields: []),
            "username": .text(username),
        ])
    }

    private func verify(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let form = try await Form.read(request)
        guard let pending = pending(request, context), let user = try await services.user(id: pending.userID), !user.disabled else {
            return .redirect(to: "/signin")
        }
        var state = FormState()
        // Counted before the code is checked, so concurrent guesses cannot all pass; a right
        // code takes it back. The count is the account's, and a right password does not reset it.
        if let wait = await services.throttle.reserveSecondFactor(userID: user.id) {
            try await services.denials.record(context.auditEntry(
                "auth.signin.throttled", outcome: .denied, target: user.username, parameters: ["factor": "totp"],
                httpStatus: .tooManyRequests))
            state.message = "Too many failed attempts. Wait \(SignInRoutes.describe(seconds: wait)) and try again."
            var response = try page(context: context, username: user.username, state: state, status: .tooManyRequests)
            response.headers.set("Retry-After", String(wait))
            return response
        }
        let code = form.text("code")
        let now = services.time.now()
        let factor = try await services.database.write { connection -> String? in
            // Recovery codes are hashed, not sealed: they work even when the secret cannot be opened
            // (they exist only while a second factor is enrolled).
            if RecoveryCodes.looksLikeRecoveryCode(code) {
                let hashes = [RecoveryCodes.hash(code, key: services.recoveryCodeKey), RecoveryCodes.legacyHash(code)]
                return try UserRepository.useRecoveryCode(
                    hashes: hashes, userID: user.id, now: now, on: connection) ? "recovery code" : nil
            }
            let totp: (secret: [UInt8]?, pending: [UInt8]?, lastStep: Int64?)
            do {
                totp = try UserRepository.totpState(userID: user.id, key: services.secretKey, on: connection)
            } catch let error as SecretKeyError {
                throw HTTPError(
                    .internalServerError,
                    "Your authenticator's secret cannot be read (\(error)). Sign in with a recovery code, then set up two-step sign-in again.")
            }
            guard let secret = totp.secret else { return nil }
            guard let step = TOTP.matchingStep(code: code, secret: secret, atMilliseconds: now, lastUsedStep: totp.lastStep),
                  try UserRepository.useTOTPStep(step, userID: user.id, on: connection) else { return nil }
            return "totp"
        }
        guard let factor else {
            try await services.database.write { connection in
                var entry = context.auditEntry(
                    "auth.signin.failed", outcome: .failed, target: user.username,
                    parameters: ["reason": code.isEmpty ? "no code" : "wrong code", "factor": "totp"], httpStatus: .unauthorized)
                entry.actorID = user.id
                try AuditLog.append(entry, on: connection)
            }
            state.fail("code", code.isEmpty
                ? "Enter the code your authenticator app shows."
                : "That code is not right, or was already used. Wait for the next code and try again.")
            return try page(context: context, username: user.username, state: state, status: .unauthorized)
        }
        await services.throttle.secondFactorSucceeded(userID: user.id)
        var response = try await SessionCookie.start(
            user: user, redirectTo: pending.next, factor: factor, services: services, context: context)
        response.headers.add("Set-Cookie", Cookies.deleteCookie(Cookies.name(Self.cookieName, secure: context.isSecure), secure: context.isSecure))
        return response
    }
}
