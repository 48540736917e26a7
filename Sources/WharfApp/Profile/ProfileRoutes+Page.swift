import WharfHTTP
import WharfSQLite
import WharfTemplates

/// The profile page's view.
extension ProfileRoutes {
    func page(
        _ context: RequestContext, notice: String? = nil, password: FormState = FormState(), token: FormState = FormState(),
        tokenRole: Role? = nil, newToken: String? = nil, status: HTTPStatus = .ok
    ) async throws -> HTTPResponse {
        guard let principal = context.principal, let user = try await services.user(id: principal.userID) else {
            throw HTTPError(.unauthorized)
        }
        let sessions = try await services.sessions.list(userID: user.id)
        let (tokens, recoveryLeft, requireTOTP) = try await services.database.read { connection in
            (try APITokenStore.list(userID: user.id, on: connection),
             try UserRepository.unusedRecoveryCodeCount(userID: user.id, on: connection),
             try SecuritySettings.requireTOTP(on: connection))
        }
        let now = services.time.now()
        return try pages.render("profile/index", title: "Profile", status: status, context: context, section: "profile", values: [
            "user": UserRoutes.userValue(user, now: now),
            "notice": notice.map(TemplateValue.text) ?? .null,
            "passwordFields": FieldView.values(Self.passwordFields, password),
            "passwordCode": user.hasTOTP ? passwordReauthentication.codeFieldView.value(password) : .null,
            "tokenFields": FieldView.values(Self.tokenFields, token, prefix: "token-"),
            "tokenReauthentication": user.role == .admin
                ? FieldView.list(tokenReauthentication.fields(for: user).map { field in
                    var optional = field
                    optional.required = false
                    optional.hint = "Only for an admin token."
                    return optional
                }, token, prefix: "token-") : .null,
            "tokenForm": token.templateValue(fields: ["role"]),
            "roles": UserRoutes.roleOptions(selected: tokenRole ?? user.role, upTo: user.role),
            "newToken": newToken.map(TemplateValue.text) ?? .null,
            "sessions": .list(sessions.map {
                Self.sessionValue($0, current: principal.sessionID, now: now, revokeURL: "/profile/sessions/\($0.id)/revoke")
            }),
            "tokens": .list(tokens.map { Self.tokenValue($0, now: now, revokeURL: "/profile/tokens/\($0.id)/revoke") }),
            "recoveryLeft": .int(recoveryLeft),
            "requireTOTP": .bool(requireTOTP),
        ])
    }

    static func sessionValue(_ session: SessionRecord, current: Int64?, now: Int64, revokeURL: String?) -> TemplateValue {
        .object([
            "created": .text(TimeText.utc(milliseconds: session.createdMilliseconds)),
            "lastSeen": .text(TimeText.relative(session.lastSeenMilliseconds, now: now)),
            "address": .text(session.clientAddress ?? "unknown"),
            "userAgent": .text(session.userAgent ?? ""),
            "current": .bool(session.id == current),
            "revokeURL": revokeURL.map(TemplateValue.text) ?? .null,
        ])
    }

    static func tokenValue(_ token: APIToken, now: Int64, revokeURL: String?) -> TemplateValue {
        let state: String? = token.isRevoked ? "Revoked" : token.isExpired(now: now) ? "Expired" : nil
        return .object([
            "name": .text(token.name),
            "prefix": .text(token.prefix),
            "role": .text(token.role.rawValue),
            "expires": .text(token.expiresMilliseconds.map { TimeText.utc(milliseconds: $0) } ?? "Never"),
            "lastUsed": .text(token.lastUsedMilliseconds.map { TimeText.relative($0, now: now) } ?? "Never"),
            "state": state.map(TemplateValue.text) ?? .null,
            "stateClass": .text(token.isRevoked ? "danger" : "warn"),
            "revokeURL": (state == nil ? revokeURL : nil).map(TemplateValue.text) ?? .null,
        ])
    }
}
