import WharfHTTP
import WharfSQLite
import WharfWire

/// Starting and ending the browser session cookie.
enum SessionCookie {
    /// Creates a session for `user` (ending the one this browser had, if any), records
    /// `auth.signin.ok` in the same transaction, and redirects to `target` with the new cookie.
    /// A new id at every sign-in means a session id planted before sign-in is worthless.
    static func start(
        user: User, redirectTo target: String, factor: String, services: AccountServices, context: RequestContext
    ) async throws -> HTTPResponse {
        let now = services.time.now()
        let previous = context.principal?.sessionID
        let created = try await services.database.write { connection in
            if let previous { try SessionStore.delete(id: previous, on: connection) }
            let created = try SessionStore.create(userID: user.id, client: context.client, now: now, on: connection)
            var entry = context.auditEntry("auth.signin.ok", target: user.username, parameters: ["factor": factor])
            entry.actorID = user.id
            entry.actorName = user.username
            try AuditLog.append(entry, on: connection)
            return created
        }
        var response = HTTPResponse.redirect(to: target)
        response.headers.add("Set-Cookie", cookie(rawID: created.rawID, services: services, context: context))
        let pre = Cookies.name(AuthenticationMiddleware.preSessionCookie, secure: context.isSecure)
        response.headers.add("Set-Cookie", Cookies.deleteCookie(pre, secure: context.isSecure))
        return response
    }

    /// The `Set-Cookie` value for a session id; it lives as long as the session's absolute lifetime.
    static func cookie(rawID: String, services: AccountServices, context: RequestContext) -> String {
        let secure = context.isSecure
        return Cookies.setCookie(
            Cookies.name(AuthenticationMiddleware.sessionCookie, secure: secure), rawID, secure: secure,
            maxAge: services.sessions.policy.absoluteLifetimeMilliseconds / 1000)
    }

    /// The `Set-Cookie` value that removes the session cookie.
    static func clear(context: RequestContext) -> String {
        Cookies.deleteCookie(Cookies.name(AuthenticationMiddleware.sessionCookie, secure: context.isSecure), secure: context.isSecure)
    }
}
