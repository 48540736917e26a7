package import WharfHTTP

/// Wharf's route registration: the HTTP router plus what only the application knows about a
/// route — its OpenAPI operation (`/api/v1`), and the host-scoped group.
///
/// ```swift
/// router.hostAPI(.post, "/containers/:id/start", permission: .hostOperate, operation: Self.start) { request, context, scope in
///     try await service.start(id, on: scope, by: context.auditActor)
///     return HTTPResponse(status: .noContent)
/// }
/// ```
package struct AppRouter {
    /// The handler of a host-scoped route: the host is resolved and its grant checked once, before.
    package typealias HostHandler = @Sendable (HTTPRequest, RequestContext, HostScope) async throws -> HTTPResponse

    package static let apiPrefix = "/api/v1"

    package var routes = RouterBuilder()
    package private(set) var api: [APIEndpoint] = []
    /// Signs the flash cookie page actions leave when they fail.
    let flash: FlashSigner

    package init(flash: FlashSigner) { self.flash = flash }

    /// A route without documentation (pages, static files).
    package mutating func add(
        _ method: HTTPMethod, _ pattern: String, permission: Permission, maxBodyBytes: Int? = nil,
        _ handler: @escaping HTTPHandler
    ) {
        routes.add(method, pattern, permission: permission, maxBodyBytes: maxBodyBytes, handler)
    }

    /// An `/api/v1` route (`path` is relative to it), documented by `operation`.
    package mutating func api(
        _ method: HTTPMethod, _ path: String, permission: Permission, maxBodyBytes: Int? = nil,
        operation: APIOperation, _ handler: @escaping HTTPHandler
    ) {
        let pattern = Self.apiPrefix + path
        routes.add(method, pattern, permission: permission, maxBodyBytes: maxBodyBytes, handler)
        api.append(APIEndpoint(method: method, pattern: pattern, permission: permission, operation: operation))
    }

    /// A page under `/hosts/:host` (`path` is relative to it).
    package mutating func hostPage(
        _ method: HTTPMethod, _ path: String, permission: Permission, maxBodyBytes: Int? = nil,
        _ handler: @escaping HostHandler
    ) {
        add(method, "/hosts/:host" + path, permission: permission, maxBodyBytes: maxBodyBytes) { request, context in
            try await handler(request, context, try Self.scope(context))
        }
    }

    /// A button's action under `/hosts/:host` (a POST that answers with a redirect): when it fails
    /// with an error the user can act on, the user goes back to the page they were on (its
    /// `Referer`, else `fallback(scope)`) with the error as a flash, instead of to an error page.
    package mutating func hostAction(
        _ path: String, permission: Permission, maxBodyBytes: Int? = nil,
        fallback: @escaping @Sendable (HostScope) -> String = { "/hosts/\($0.host.id)" },
        _ handler: @escaping HostHandler
    ) {
        let flash = self.flash
        add(.post, "/hosts/:host" + path, permission: permission, maxBodyBytes: maxBodyBytes) { request, context in
            let scope = try Self.scope(context)
            do {
                return try await handler(request, context, scope)
            } catch let error as any PublicError where error.status.code != 500 {
                return flash.redirectBack(request, fallback: fallback(scope), .error(error.publicMessage), context: context)
            }
        }
    }

    /// An API route under `/api/v1/hosts/:host` (`path` is relative to it).
    package mutating func hostAPI(
        _ method: HTTPMethod, _ path: String, permission: Permission, maxBodyBytes: Int? = nil,
        operation: APIOperation, _ handler: @escaping HostHandler
    ) {
        api(method, "/hosts/:host" + path, permission: permission, maxBodyBytes: maxBodyBytes, operation: operation) { request, context in
            try await handler(request, context, try Self.scope(context))
        }
    }

    /// The scope ``AuthorizationMiddleware`` resolved; its absence is a route registered with a
    /// permission that does not resolve hosts (a bug that the permission table test catches).
    private static func scope(_ context: RequestContext) throws -> HostScope {
        guard let scope = context.hostScope else {
            throw HTTPError(.internalServerError, "This host route was registered without a host permission.")
        }
        return scope
    }
}
