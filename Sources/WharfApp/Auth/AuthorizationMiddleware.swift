package import WharfHTTP
import WharfWire

/// Checks the matched route's ``Permission`` against the request's ``Principal``.
///
/// - A route without a ``Permission`` is refused (403): nothing is open by omission.
/// - Anonymous requests to protected routes: browsers are sent to sign-in (303 to
///   `/signin?next=…`), API clients get 401 JSON.
/// - `.hostView`/`.hostOperate` read the route's `:host` parameter (an id or a name) and the
///   user's grant on that host; admins always pass.
/// - A user who must enrol a second factor is sent to enrolment from every route but `.enrolling` ones.
///
/// Every denial is audited (`auth.denied`). Allowed requests are not: the handler's own row is the
/// record of an allowed change, and reads are not audited.
package struct AuthorizationMiddleware: HTTPMiddleware {
    let services: AccountServices

    package init(services: AccountServices) { self.services = services }

    package func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
        guard let route = context.route else { return try await next(request, context) }
        guard let permission = route.permission as? Permission else {
            try await deny(request, context, status: .forbidden, reason: "route has no Wharf permission",
                           message: "This address is not open to anyone.")
        }
        if permission == .anonymous { return try await next(request, context) }
        guard let principal = context.principal else {
            if ErrorPages.wantsJSON(request) {
                try await deny(request, context, status: .unauthorized, reason: "not signed in",
                               message: "Sign in first: send an API token as `Authorization: Bearer <token>`.",
                               headers: ["WWW-Authenticate": #"Bearer realm="wharf""#])
            }
            try await audit(request, context, status: .seeOther, reason: "not signed in")
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
        if let refusal = try await refusal(permission, principal: principal, context: context) {
            try await deny(request, context, status: .forbidden, reason: refusal.reason, message: refusal.message)
        }
        return try await next(request, context)
    }

    /// Why `principal` may not use a route with `permission`; nil when it may.
    private func refusal(
        _ permission: Permission, principal: Principal, context: RequestContext
    ) async throws -> (reason: String, message: String)? {
        switch permission {
        case .anonymous, .signedIn, .enrolling:
            return nil
        case .admin:
            return principal.isAdmin ? nil : ("admin role required", "Only admins can open this page.")
        case .hostView, .hostOperate:
            if principal.isAdmin { return nil }
            guard let value = context.parameters["host"], let host = try await services.grants.resolveHost(value) else {
                return ("unknown host", "You have no access to this host, or it does not exist.")
            }
            let role = try await services.grants.role(user: principal.userID, host: host)
            switch (permission, role) {
            case (.hostView, .some), (.hostOperate, .operator?): return nil
            case (.hostOperate, .viewer?):
                return ("operator grant required", "You can view this host but not change anything on it; ask an admin for operator access.")
            default:
                return ("no grant on host", "You have no access to this host, or it does not exist.")
            }
        }
    }

    private func audit(_ request: HTTPRequest, _ context: RequestContext, status: HTTPStatus, reason: String) async throws {
        let permission = context.route?.permission.description ?? "none"
        let entry = context.auditEntry(
            "auth.denied", outcome: .denied, target: request.method.rawValue + " " + request.path,
            parameters: ["reason": reason, "permission": permission], httpStatus: status)
        try await services.audit.record(entry)
    }

    private func deny(
        _ request: HTTPRequest, _ context: RequestContext, status: HTTPStatus, reason: String, message: String,
        headers: HTTPHeaders = [:]
    ) async throws -> Never {
        try await audit(request, context, status: status, reason: reason)
        throw HTTPError(status, message, headers: headers)
    }
}
