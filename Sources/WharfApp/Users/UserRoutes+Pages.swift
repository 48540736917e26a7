import WharfHTTP
import WharfSQLite
import WharfTemplates

/// The views of the user pages.
extension UserRoutes {
    static func roleOptions(selected: Role, upTo highest: Role = .admin) -> TemplateValue {
        .list(Role.allCases.reversed().filter { $0 <= highest }.map { role in
            .object(["value": .text(role.rawValue), "label": .text(role.label), "selected": .bool(role == selected)])
        })
    }

    static func userValue(_ user: User, now: Int64) -> TemplateValue {
        .object([
            "id": .int(Int(user.id)),
            "url": .text("/users/\(user.id)"),
            "username": .text(user.username),
            "role": .text(user.role.rawValue),
            "roleLabel": .text(user.role.label),
            "disabled": .bool(user.disabled),
            "hasTOTP": .bool(user.hasTOTP),
            "created": .text(TimeText.utc(milliseconds: user.createdMilliseconds)),
        ])
    }

    func list(_ context: RequestContext, notice: String?) async throws -> HTTPResponse {
        let (users, requireTOTP, sessionCounts) = try await services.database.read { connection in
            let counts = try connection.query("SELECT user_id, count(*) FROM sessions GROUP BY user_id")
            var byUser: [Int64: Int] = [:]
            for row in counts { byUser[try row.get(0)] = try row.get(1) }
            return (try UserRepository.all(on: connection), try SecuritySettings.requireTOTP(on: connection), byUser)
        }
        let now = services.time.now()
        return try pages.render("users/index", title: "Users", context: context, section: "users", values: [
            "users": .list(users.map { user in
                var value = Self.userValue(user, now: now)
                if case .object(var object) = value {
                    object["sessions"] = .int(sessionCounts[user.id] ?? 0)
                    value = .object(object)
                }
                return value
            }),
            "requireTOTP": .bool(requireTOTP),
            "notice": notice.flatMap { Self.notices[$0] }.map(TemplateValue.text) ?? .null,
        ])
    }

    func newPage(_ context: RequestContext, state: FormState, role: Role, status: HTTPStatus = .ok) throws -> HTTPResponse {
        try pages.render("users/new", title: "New user", status: status, context: context, section: "users", values: [
            "fields": FieldView.values(Self.createFields, state),
            "form": state.templateValue(fields: ["role"]),
            "roles": Self.roleOptions(selected: role),
        ])
    }

    func detail(
        _ user: User, _ context: RequestContext, notice: String? = nil, message: String? = nil,
        reset: FormState = FormState(), status: HTTPStatus = .ok
    ) async throws -> HTTPResponse {
        let sessions = try await services.sessions.list(userID: user.id)
        let tokens = try await services.database.read { connection in try APITokenStore.list(userID: user.id, on: connection) }
        let now = services.time.now()
        return try pages.render("users/show", title: user.username, status: status, context: context, section: "users", values: [
            "user": Self.userValue(user, now: now),
            "roles": Self.roleOptions(selected: user.role),
            "isSelf": .bool(user.id == context.principal?.userID),
            "sessions": .list(sessions.map { ProfileRoutes.sessionValue($0, current: nil, now: now, revokeURL: nil) }),
            "tokens": .list(tokens.map {
                ProfileRoutes.tokenValue($0, now: now, revokeURL: "/users/\(user.id)/tokens/\($0.id)/revoke")
            }),
            "fields": FieldView.values(Self.resetFields, reset),
            "selfFields": user.id == context.principal?.userID
                ? FieldView.list(Reauthentication(services: services).fields(for: user), reset, prefix: "reset-") : .null,
            "notice": notice.flatMap { Self.notices[$0] }.map(TemplateValue.text) ?? .null,
            "message": message.map(TemplateValue.text) ?? .null,
        ])
    }
}
