package import WharfHTTP
import WharfSQLite
import WharfIO
import WharfTLS
import WharfWire

/// Resolves who is asking: an `Authorization: Bearer` API token, or the session cookie. Puts the
/// ``Principal`` (or nothing) and the user agent into the context, and keeps the pre-session
/// cookie that sign-in and setup forms are signed with.
///
/// A bearer token that is unknown, expired or revoked, or whose owner is disabled, is answered
/// with 401 and audited (`auth.token.denied`, coalesced per client and minute by
/// ``DenialAudit``): a client that sends a token means to use it, so it is never silently treated
/// as anonymous. Tokens in the query string are not looked at.
///
/// A token's lookup (with the host and grant of a host-scoped route, ``HostGrantRead``) is one
/// read, kept for the next calls only until anything is written to the database by any process
/// (``BearerCache``), so a revocation is seen by the very next call.
package struct AuthenticationMiddleware: HTTPMiddleware {
    package static let sessionCookie = "wharf_session"
    package static let preSessionCookie = "wharf_pre"

    let services: AccountServices
    private let cache: BearerCache

    package init(services: AccountServices) {
        self.services = services
        cache = BearerCache(changes: services.database.changes)
    }

    package func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
        var context = context
        if let userAgent = request.headers["User-Agent"] { context.userAgent = Self.truncated(userAgent) }
        var cookies: [String] = []
        var newPreSession: String?
        let secure = context.isSecure
        // The Docker endpoint takes tokens only: with no cookie read, no browser page can use it.
        let tokensOnly = context.route?.permission as? Permission == .dockerEndpoint
        if let authorization = request.headers["Authorization"] {
            (context.principal, context.hostGrantRead) = try await bearer(authorization, context: context)
        } else if tokensOnly {
            // Anonymous: AuthorizationMiddleware answers 401 in the endpoint's own words.
        } else if let rawID = Cookies.value(Cookies.name(Self.sessionCookie, secure: secure), in: request) {
            if let resolved = try await services.sessions.resolve(rawID: rawID) {
                context.principal = Principal(
                    userID: resolved.user.id, username: resolved.user.username, role: resolved.user.role,
                    credential: .session(id: resolved.session.id), csrfToken: services.signer.csrfToken(session: rawID),
                    mustEnrolSecondFactor: resolved.requireTOTP && !resolved.user.hasTOTP)
            } else {
                cookies.append(Cookies.deleteCookie(Cookies.name(Self.sessionCookie, secure: secure), secure: secure))
            }
        }
        if context.principal == nil, !tokensOnly {
            let name = Cookies.name(Self.preSessionCookie, secure: secure)
            if let value = Cookies.value(name, in: request), Self.isRandomToken(value) {
                context.preSession = value
            } else if !ErrorPages.wantsJSON(request) {
                let value = SecureRandom.token(byteCount: 32)
                context.preSession = value
                newPreSession = Cookies.setCookie(name, value, secure: secure, maxAge: nil)
            }
        }
        context.formToken = context.principal?.csrfToken ?? context.preSession.map(services.signer.csrfToken(preSession:))
        var response = try await next(request, context)
        for cookie in cookies { response.headers.add("Set-Cookie", cookie) }
        // The pre-session cookie signs forms, so it goes only on pages: never on stylesheets,
        // scripts, redirects or health checks, which caches and CDNs must be able to share.
        if let newPreSession, response.headers["Content-Type"]?.lowercased().hasPrefix("text/html") == true {
            response.headers.add("Set-Cookie", newPreSession)
        }
        return response
    }

    /// A user agent as kept for audit rows: at most 256 characters. Most are shorter, and are
    /// kept without walking their characters.
    package static func truncated(_ userAgent: String) -> String {
        userAgent.utf8.count <= 256 ? userAgent : String(userAgent.prefix(256))
    }

    /// 32 random bytes in URL-safe base64: 43 characters of its alphabet.
    static func isRandomToken(_ value: String) -> Bool {
        value.utf8.count == 43 && value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    /// The principal for an `Authorization` header, or a thrown 401; and, on a host-scoped
    /// route, its host and the caller's grant, read in the same transaction (``HostGrantRead``).
    private func bearer(_ authorization: String, context: RequestContext) async throws -> (Principal, HostGrantRead?) {
        guard let secret = BearerCredential.token(authorization) else {
            throw HTTPError(
                .unauthorized, "Only `Authorization: Bearer <token>` is accepted.",
                headers: ["WWW-Authenticate": #"Bearer realm="wharf""#])
        }
        let now = services.time.now()
        let permission = context.route?.permission as? Permission
        let hostReference = permission?.namesHost == true ? context.parameters["host"] : nil
        let endpoint = permission == .dockerEndpoint
        let hash = APITokenStore.hash(secret)
        let key = BearerCache.key(tokenHash: hash, host: hostReference, endpoint: endpoint)
        let (cached, stamp) = cache.lookup(key)
        let found: (APIToken, User, HostGrantRead?)?
        if let cached {
            found = (cached.token, cached.user, cached.host)
        } else {
            found = try await services.database.readNow { connection -> (APIToken, User, HostGrantRead?)? in
                guard let token = try APITokenStore.find(hash: hash, on: connection),
                      let user = try UserRepository.find(id: token.userID, on: connection) else { return nil }
                guard let hostReference, Self.refusal(token, user, now: now) == nil else { return (token, user, nil) }
                let host = try HostGrantRead.read(
                    hostReference, userID: user.id, admin: min(token.role, user.role) == .admin, endpoint: endpoint, on: connection)
                return (token, user, host)
            }
        }
        let refusal = found.map { Self.refusal($0.0, $0.1, now: now) } ?? "unknown"
        if let refusal {
            let prefix = found?.0.prefix ?? (APITokenStore.looksLikeToken(secret) ? String(secret.prefix(14)) : nil)
            var entry = context.auditEntry(
                "auth.token.denied", outcome: .denied, target: prefix, parameters: ["reason": refusal], httpStatus: .unauthorized)
            entry.source = .api
            if let (token, user, _) = found {
                entry.actorID = token.userID
                entry.actorName = user.username
            }
            // Anyone can send made-up tokens: one row per client and minute, with a count.
            try await services.denials.record(entry)
            throw HTTPError(
                .unauthorized, "The API token is \(refusal == "user disabled" ? "not usable: its owner is disabled" : refusal).",
                headers: ["WWW-Authenticate": #"Bearer realm="wharf", error="invalid_token""#])
        }
        guard let (token, user, host) = found else { throw HTTPError(.unauthorized) }
        if cached == nil, let stamp { cache.store(.init(token: token, user: user, host: host), for: key, stamp: stamp) }
        if token.lastUsedMilliseconds.map({ now - $0 >= 60_000 }) ?? true {
            try await services.database.write { connection in try APITokenStore.touch(id: token.id, now: now, on: connection) }
        }
        let principal = Principal(
            userID: user.id, username: user.username, role: min(token.role, user.role),
            credential: .token(id: token.id, prefix: token.prefix), csrfToken: nil)
        return (principal, host)
    }

    /// Why `token` of `user` is refused (`revoked`, `expired`, `user disabled`); nil when it is good.
    private static func refusal(_ token: APIToken, _ user: User, now: Int64) -> String? {
        token.isRevoked ? "revoked" : token.isExpired(now: now) ? "expired" : user.disabled ? "user disabled" : nil
    }
}
