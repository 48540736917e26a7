/// Who is making a request, as resolved by ``AuthenticationMiddleware``.
package struct Principal: Sendable, Equatable {
    /// How the request proved who it is.
    package enum Credential: Sendable, Equatable {
        /// A browser session cookie; `id` is the `sessions` row.
        case session(id: Int64)
        /// An `Authorization: Bearer` API token; `id` is the `api_tokens` row.
        case token(id: Int64, prefix: String)
    }

    package let userID: Int64
    package let username: String
    /// The effective role: for a token, the lower of the token's role and the owner's current one.
    package let role: Role
    package let credential: Credential
    /// The session's CSRF token; nil for API tokens, which are exempt (no cookies, no CSRF).
    package let csrfToken: String?
    /// Admins require a second factor and this user has none: only enrolment and sign-out are open.
    package let mustEnrolSecondFactor: Bool

    package init(
        userID: Int64, username: String, role: Role, credential: Credential, csrfToken: String?,
        mustEnrolSecondFactor: Bool = false
    ) {
        self.userID = userID
        self.username = username
        self.role = role
        self.credential = credential
        self.csrfToken = csrfToken
        self.mustEnrolSecondFactor = mustEnrolSecondFactor
    }

    package var isAdmin: Bool { role == .admin }

    package var sessionID: Int64? {
        if case .session(let id) = credential { return id }
        return nil
    }

    /// `web` for sessions, `api` for tokens.
    package var auditSource: AuditSource {
        if case .token = credential { return .api }
        return .web
    }
}
