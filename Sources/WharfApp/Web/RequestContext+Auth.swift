package import WharfHTTP
import WharfIO

private enum PrincipalKey: ContextKey { typealias Value = Principal }
private enum UserAgentKey: ContextKey { typealias Value = String }
private enum PreSessionKey: ContextKey { typealias Value = String }
private enum FormTokenKey: ContextKey { typealias Value = String }

/// Where a request came from, for audit rows and throttling.
package struct ClientInfo: Sendable, Equatable {
    /// The client's IP address without port: the peer's, or the one a trusted proxy forwarded
    /// ("local" for in-process calls).
    package var address: String
    package var userAgent: String?

    package init(address: String, userAgent: String?) {
        self.address = address
        self.userAgent = userAgent
    }
}

extension RequestContext {
    /// The signed-in user, set by ``AuthenticationMiddleware``; nil for anonymous requests.
    package var principal: Principal? {
        get { self[PrincipalKey.self] }
        set { self[PrincipalKey.self] = newValue }
    }

    /// The client's address and user agent. Made when asked for (audit rows, sessions,
    /// throttling), not for every request.
    package var client: ClientInfo {
        ClientInfo(address: clientAddress, userAgent: userAgent)
    }

    /// The `User-Agent` as kept for audit rows, set by ``AuthenticationMiddleware``.
    package var userAgent: String? {
        get { self[UserAgentKey.self] }
        set { self[UserAgentKey.self] = newValue }
    }

    /// The pre-session value (from the double-submit cookie) forms without a session sign with.
    package var preSession: String? {
        get { self[PreSessionKey.self] }
        set { self[PreSessionKey.self] = newValue }
    }

    /// Milliseconds since the request head was complete.
    package var elapsedMilliseconds: Int64 {
        let now = Deadline.now.nanoseconds
        return now > receivedAt.nanoseconds ? Int64((now - receivedAt.nanoseconds) / 1_000_000) : 0
    }

    /// The CSRF token forms on this page carry: the session's, or before sign-in the one bound to
    /// the pre-session cookie. Nil for API requests.
    package var formToken: String? {
        get { self[FormTokenKey.self] }
        set { self[FormTokenKey.self] = newValue }
    }

    /// The actor of this request for audit rows: the principal, the source (`web` for sessions
    /// and anonymous browsers, `api` for tokens), the client address and the user agent.
    package var auditActor: AuditActor {
        let client = self.client
        return AuditActor(
            source: principal?.auditSource ?? .web, actorID: principal?.userID, actorName: principal?.username,
            clientAddress: client.address, userAgent: client.userAgent, durationMilliseconds: elapsedMilliseconds)
    }

    /// An audit row prefilled with ``auditActor``.
    package func auditEntry(
        _ action: String, outcome: AuditOutcome = .ok, target: String? = nil, parameters: [String: String] = [:],
        httpStatus: HTTPStatus? = nil, error: String? = nil
    ) -> AuditEntry {
        auditActor.entry(
            action, outcome: outcome, target: target, parameters: parameters, httpStatus: httpStatus?.code, error: error)
    }
}
