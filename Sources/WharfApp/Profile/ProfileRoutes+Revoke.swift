import WharfHTTP
import WharfSQLite

/// Ending one of the user's own sessions or API tokens.
extension ProfileRoutes {
    // Not optimized: Swift 6.3.1's CopyPropagation pass crashes the compiler on this function
    // in release builds ("Found outside of lifetime use"). It runs once per click; speed is moot.
    @_optimize(none)
    func revokeSession(_ context: RequestContext) async throws -> HTTPResponse {
        guard let principal = context.principal, let id = context.parameters["id"].flatMap({ Int64($0) }) else {
            throw HTTPError(.notFound, "There is no such session.")
        }
        let endsThisSession = id == principal.sessionID
        let entry = context.auditEntry("profile.session.revoke", target: principal.username,
                                       parameters: ["session_id": String(id)])
        let userID = principal.userID
        let ended = try await services.database.write { connection -> Bool in
            guard try SessionStore.delete(id: id, userID: userID, on: connection) else { return false }
            try AuditLog.append(entry, on: connection)
            return true
        }
        guard ended else { throw HTTPError(.notFound, "That session has already ended.") }
        return .redirect(to: endsThisSession ? "/signin" : "/profile?done=session")
    }

    func revokeToken(_ context: RequestContext) async throws -> HTTPResponse {
        guard let principal = context.principal, let id = context.parameters["id"].flatMap({ Int64($0) }) else {
            throw HTTPError(.notFound, "There is no such token.")
        }
        guard try await services.revokeToken(id, of: principal.userID, by: context.auditActor) != nil else {
            throw HTTPError(.notFound, "That token does not exist or was already revoked.")
        }
        return .redirect(to: "/profile?done=token")
    }
}
