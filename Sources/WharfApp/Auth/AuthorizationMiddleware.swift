package import WharfHTTP
import WharfWire

/// Checks the matched route's ``Permission`` against the request's ``Principal``.
///
/// - A route without a ``Permission`` is refused (403): nothing is open by omission.
/// - Anonymous requests to protected routes: browsers are sent to sign-in (303 to
///   `/signin?next=…`), API clients get 401 JSON.
/// - `.hostView`/`.hostOperate`/`.hostAdmin` resolve the route's `:host` parameter (an id or a
///   name) and the user's grant on that host once, and hand the result to the handler as
///   ``RequestContext/hostScope``. Unknown and ungranted hosts answer alike for non-admins (403),
///   so host names do not leak; admins get 404 for an unknown host.
/// - `.account` and `.enrolling` routes (the user's own account) take a browser session only:
///   an API token gets 403.
/// - A user who must enrol a second factor is sent to enrolment from every route but `.enrolling` ones.
///
/// Every denial of a signed-in user is audited (`auth.denied`), one row each; denials of anonymous
/// API requests are coalesced per client and minute (``DenialAudit``), and a browser merely sent
/// to sign-in is not audited. Allowed requests are not: the handler's own row is the record of an
/// allowed change, and reads are not audited.
package struct AuthorizationMiddleware: HTTPMiddleware {
    /// Resolves a host reference for a principal, using what the request's context already read
    /// (``HostScope/resolve(_:for:database:clients:known:)``).
    package typealias HostScopeResolver = @Sendable (String, Principal, RequestContext) async throws -> HostScope?

    let services: AccountServices
    let hostScopes: HostScopeResolver

    package init(services: AccountServices, hostScopes: @escaping HostScopeResolver = { _, _, _ in nil }) {
        self.services = services
        self.hostScopes = hostScopes
    }

    package func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
        guard let route = context.route else { return try await next(request, context) }
        guard let permission = route.permission as? Permission else {
            try await deny(request, context, status: .forbidden, reason: "route has no Wharf permission",
                           message: "This address is not open to anyone.")
        }
        if permission == .anonymous { return try await next(request, context) }
        guard let principal = context.principal else {
            if permission == .dockerEndpoint {
                try await deny(request, context, status: .unauthorized, reason: "no token",
                               message: "Wharf needs an API token: put {\"HttpHeaders\": {\"Authorization\": \"Bearer <token>\"}} "
                                   + "in your docker config.json (see the host's \"Use the docker CLI\" page).",
                               headers: ["WWW-Authenticate": #"Bearer realm="wharf""#])
            }
            if ErrorPages.wantsJSON(request) {
                try await deny(request, context, status: .unauthorized, reason: "not signed in",
                               message: "Sign in first: send an API token as `Authorization: Bearer <token>`.",
                               headers: ["WWW-Authenticate": #"Bearer realm="wharf""#])
            }
            // Not audited: being sent to sign-in is what every visit before signing in looks like.
            let target = request.path + (request.query.map { "?" + $0 } ?? "")
            return .redirect(to: "/signin?next=" + FormDecoding.encode(target))
        }
        if principal.mustEnrolSecondFactor, permission != .enrolling, principal.sessionID != nil {
            if ErrorPages.wantsJSON(request) || !request.method.isSafe {
                try await deny(request, context, status: .forbidden, reason: "second factor enrolment required",
                               message: "Set up two-step sign-in on your profile first; admins require it.")
            }
            try await audit(request, context, status: .seeOther, reason: "second factor enrolment required")
            return .redirect(to: "/profile/totp")
        }
        switch permission {
        case .hostView, .hostOperate, .hostAdmin:
            var context = context
            context.hostScope = try await hostScope(permission, principal: principal, request: request, context: context)
            return try await next(request, context)
        default:
            if let refusal = refusal(permission, principal: principal) {
                try await deny(request, context, status: .forbidden, reason: refusal.reason, message: refusal.message)
            }
            return try await next(request, context)
        }
    }

    /// The route's host, resolved and checked against `permission`; refused (and audited) otherwise.
    private func hostScope(
        _ permission: Permission, principal: Principal, request: HTTPRequest, context: RequestContext
    ) async throws -> HostScope {
        if permission == .hostAdmin, !principal.isAdmin {
            try await deny(request, context, status: .forbidden, reason: "admin role required", message: "Only admins can change hosts.")
        }
        guard let reference = context.parameters["host"], let scope = try await hostScopes(reference, principal, context) else {
            if principal.isAdmin {
                throw HTTPError(.notFound, "There is no such host. It may have been removed; go back to the list of hosts.")
            }
            try await deny(request, context, status: .forbidden, reason: "no grant on host",
                           message: "You have no access to this host, or it does not exist.")
        }
        if permission == .hostOperate, !scope.canOperate {
            try await deny(request, context, status: .forbidden, reason: "operator grant required",
                           message: "You can view this host but not change anything on it; ask an admin for operator access.")
        }
        return scope
    }

    /// Why `principal` may not use a route with `permission`; nil when it may.
    private func refusal(_ permission: Permission, principal: Principal) -> (reason: String, message: String)? {
        switch permission {
        case .anonymous, .signedIn, .hostView, .hostOperate, .hostAdmin:
            return nil
        case .account, .enrolling:
            return principal.sessionID != nil ? nil : (
                "browser session required",
                "API tokens cannot change the account (password, two-step sign-in, sessions or tokens). "
                    + "Sign in with a browser and use your profile page.")
        case .admin:
            return principal.isAdmin ? nil : ("admin role required", "Only admins can open this page.")
        case .dockerEndpoint:
            // The endpoint resolves the host, the grant and the host's setting itself, in one
            // read, and audits its refusals as calls; here only the kind of credential is checked.
            guard case .token = principal.credential else {
                return ("token required", "Wharf's Docker endpoint takes only an API token, as `Authorization: Bearer <token>`.")
            }
            return nil
        }
    }

    /// One row per denial of a signed-in user; denials of anonymous requests go through
    /// ``DenialAudit`` (a row per client and minute, with a count).
    private func audit(_ request: HTTPRequest, _ context: RequestContext, status: HTTPStatus, reason: String) async throws {
        let permission = context.route?.permission.description ?? "none"
        let entry = context.auditEntry(
            "auth.denied", outcome: .denied, target: request.method.rawValue + " " + request.path,
            parameters: ["reason": reason, "permission": permission], httpStatus: status)
        if context.principal == nil {
            try await services.denials.record(entry)
        } else {
            try await services.audit.record(entry)
        }
    }

    private func deny(
        _ request: HTTPRequest, _ context: RequestContext, status: HTTPStatus, reason: String, message: String,
        headers: HTTPHeaders = [:]
    ) async throws -> Never {
        try await audit(request, context, status: status, reason: reason)
        throw HTTPError(status, message, headers: headers)
    }
}
