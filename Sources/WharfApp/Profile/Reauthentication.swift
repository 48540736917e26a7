import WharfHTTP
import WharfSQLite

/// Asks a signed-in user to prove again who they are before a change that would let someone
/// who found their browser unlocked keep the account: a new password, two-step sign-in off, an
/// admin-role API token. The current password, and a code from the app when two-step sign-in
/// is on.
///
/// The password goes through ``AccountServices/checkPassword(username:password:address:)``, so
/// wrong guesses count like wrong sign-ins (and are audited as `auth.reauth.failed`); the code
/// goes through the account's second-factor count and is used up like a sign-in code.
struct Reauthentication {
    let services: AccountServices
    /// Form field names: the password's and the code's.
    var passwordField = "current"
    var codeField = "code"

    var passwordFieldView: FieldView {
        FieldView(passwordField, label: "Your current password", type: "password", autocomplete: "current-password")
    }
    var codeFieldView: FieldView {
        FieldView(codeField, label: "Code from your app", autocomplete: "one-time-code", hint: "6 digits, because two-step sign-in is on")
    }

    /// The fields a form that asks for them shows (the code only when `user` has two-step sign-in).
    func fields(for user: User) -> [FieldView] {
        user.hasTOTP ? [passwordFieldView, codeFieldView] : [passwordFieldView]
    }

    /// Checks the form's password and code for the signed-in user. Nil when confirmed; otherwise
    /// the status to answer with (422 for a wrong or missing value, 429 when throttled), the
    /// problems set on `state`. When the rest of the form is already refused (`state` has
    /// problems), only the password is checked, so its problem shows too and no code is used up.
    func confirm(_ form: Form, user: User, context: RequestContext, state: inout FormState) async throws -> HTTPStatus? {
        let checkCode = !state.hasErrors
        let password = form[passwordField] ?? ""
        guard !password.isEmpty else {
            state.fail(passwordField, "Enter your current password to confirm this change.")
            return .unprocessableContent
        }
        switch try await services.checkPassword(username: user.username, password: password, address: context.client.address) {
        case .matched:
            break
        case .throttled(let wait):
            state.fail(passwordField, "Too many wrong passwords. Wait \(SignInRoutes.describe(seconds: wait)) and try again.")
            return .tooManyRequests
        case .busy:
            state.fail(passwordField, "Wharf is busy checking other passwords from your network. Try again in a moment.")
            return .tooManyRequests
        case .failed(_, let reason):
            try await audit(context, user: user, reason: reason, factor: "password")
            state.fail(passwordField, "This is not your current password.")
            return .unprocessableContent
        }
        guard user.hasTOTP, checkCode else { return state.hasErrors ? .unprocessableContent : nil }
        let code = form.text(codeField)
        if let wait = await services.throttle.reserveSecondFactor(userID: user.id) {
            state.fail(codeField, "Too many wrong codes. Wait \(SignInRoutes.describe(seconds: wait)) and try again.")
            return .tooManyRequests
        }
        let now = services.time.now()
        let key = services.secretKey
        let matched = try await services.database.write { connection -> Bool in
            let totp = try UserRepository.totpState(userID: user.id, key: key, on: connection)
            guard let secret = totp.secret,
                  let step = TOTP.matchingStep(code: code, secret: secret, atMilliseconds: now, lastUsedStep: totp.lastStep) else {
                return false
            }
            return try UserRepository.useTOTPStep(step, userID: user.id, on: connection)
        }
        guard matched else {
            try await audit(context, user: user, reason: code.isEmpty ? "no code" : "wrong code", factor: "totp")
            state.fail(codeField, code.isEmpty
                ? "Enter the code your authenticator app shows."
                : "That code is not right, or was already used. Wait for the next code and try again.")
            return .unprocessableContent
        }
        await services.throttle.secondFactorSucceeded(userID: user.id)
        return nil
    }

    private func audit(_ context: RequestContext, user: User, reason: String, factor: String) async throws {
        var parameters = ["reason": reason]
        if factor != "password" { parameters["factor"] = factor }
        try await services.audit.record(context.auditEntry(
            "auth.reauth.failed", outcome: .failed, target: user.username, parameters: parameters, httpStatus: .unprocessableContent))
    }
}
