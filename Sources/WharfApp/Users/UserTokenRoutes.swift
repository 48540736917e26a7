import WharfHTTP
import WharfSQLite

/// Admins list and revoke any user's API tokens: from the user page (`POST
/// /users/:id/tokens/:token/revoke`) and as JSON (`GET /api/v1/users/:id/tokens`, `POST
/// /api/v1/users/:id/tokens/:token/revoke`). Revoking is audited as `token.revoke` by the admin.
/// There is no API to create tokens for others: a token is made by its owner (profile page) or
/// the CLI.
struct UserTokenRoutes {
    let services: AccountServices

    /// A token as the API shows it: never the token itself, nor its hash.
    struct TokenJSON: Encodable {
        let id: Int64
        let name: String
        let prefix: String
        let role: String
        /// `live`, `expired` or `revoked`.
        let state: String
        let createdMs: Int64
        let expiresMs: Int64?
        let lastUsedMs: Int64?
        let revokedMs: Int64?

        init(_ token: APIToken, now: Int64) {
            id = token.id
            name = token.name
            prefix = token.prefix
            role = token.role.rawValue
            state = token.isRevoked ? "revoked" : token.isExpired(now: now) ? "expired" : "live"
            createdMs = token.createdMilliseconds
            expiresMs = token.expiresMilliseconds
            lastUsedMs = token.lastUsedMilliseconds
            revokedMs = token.revokedMilliseconds
        }

        static let schema = JSONSchema.named("Token", .object([
            "id": .integer(), "name": .string(), "prefix": .string(description: "The token's first characters, to recognise it."),
            "role": .string(values: Role.allCases.map(\.rawValue)), "state": .string(values: ["live", "expired", "revoked"]),
            "createdMs": .integer(description: "Unix time, milliseconds."), "expiresMs": .nullable(.integer()),
            "lastUsedMs": .nullable(.integer()), "revokedMs": .nullable(.integer()),
        ], required: ["id", "name", "prefix", "role", "state", "createdMs"]))
    }

    func register(into router: inout AppRouter) {
        router.add(.post, "/users/:id/tokens/:token/revoke", permission: .admin) { _, context in
            let (user, tokenID) = try await target(context)
            guard try await services.revokeToken(tokenID, of: user.id, by: context.auditActor) != nil else {
                throw HTTPError(.notFound, "That token does not exist or was already revoked. Go back to the user's page.")
            }
            return .redirect(to: "/users/\(user.id)?done=token")
        }
        router.api(.get, "/users/:user/tokens", permission: .admin, operation: APIOperation(
            id: "listUserTokens", summary: "A user's API tokens (never the tokens themselves)", tag: "accounts",
            responses: [.init(200, "The tokens", .named("TokenList", .object(["tokens": .array(TokenJSON.schema)], required: ["tokens"])))])
        ) { _, context in
            let user = try await user(context)
            let tokens = try await services.database.read { connection in try APITokenStore.list(userID: user.id, on: connection) }
            let now = services.time.now()
            return .json(try JSONBody.encode(["tokens": tokens.map { TokenJSON($0, now: now) }]))
        }
        router.api(.post, "/users/:user/tokens/:token/revoke", permission: .admin, operation: APIOperation(
            id: "revokeUserToken", summary: "Revoke one of a user's API tokens", tag: "accounts",
            responses: [.init(200, "The revoked token", TokenJSON.schema)])
        ) { _, context in
            let (user, tokenID) = try await target(context)
            guard let token = try await services.revokeToken(tokenID, of: user.id, by: context.auditActor) else {
                throw APIError(.notFound, code: "token_not_found", "The user has no live token with this id (revoked already, or another user's).")
            }
            return .json(try JSONBody.encode(TokenJSON(token, now: services.time.now())))
        }
    }

    /// The user named by `:id`. - Throws: 404 (`user_not_found` for the API).
    private func user(_ context: RequestContext) async throws -> User {
        guard let id = (context.parameters["id"] ?? context.parameters["user"]).flatMap({ Int64($0) }),
              let user = try await services.user(id: id) else {
            throw APIError(.notFound, code: "user_not_found", "There is no such user. It may have been removed.")
        }
        return user
    }

    private func target(_ context: RequestContext) async throws -> (User, Int64) {
        let user = try await user(context)
        guard let tokenID = context.parameters["token"].flatMap({ Int64($0) }) else {
            throw APIError(.notFound, code: "token_not_found", "There is no such token.")
        }
        return (user, tokenID)
    }
}
