import WharfWire

/// One step around the handler: it may change the request or context, answer by itself, or call
/// `next` and change the response. Middleware run in the order given; the first is outermost.
///
/// ```swift
/// struct Timing: HTTPMiddleware {
///     func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
///         var response = try await next(request, context)
///         response.headers.set("Server-Timing", "app;dur=1")
///         return response
///     }
/// }
/// ```
package protocol HTTPMiddleware: Sendable {
    func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse
}

/// A middleware from a closure.
package struct ClosureMiddleware: HTTPMiddleware {
    private let body: @Sendable (HTTPRequest, RequestContext, HTTPHandler) async throws -> HTTPResponse

    package init(_ body: @escaping @Sendable (HTTPRequest, RequestContext, HTTPHandler) async throws -> HTTPResponse) {
        self.body = body
    }

    package func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async throws -> HTTPResponse {
        try await body(request, context, next)
    }
}

/// The router, the middleware and the fallbacks, composed once into one handler.
package struct HTTPResponder: Sendable {
    package let router: Router
    private let chain: HTTPHandler

    /// - Parameters:
    ///   - notFound: answers when no route matches (still behind all middleware).
    ///   - methodNotAllowed: answers when the path exists for other methods; must set `Allow`.
    package init(
        router: Router, middleware: [any HTTPMiddleware],
        notFound: @escaping HTTPHandler = { _, _ in .text("Not found.\n", status: .notFound) },
        methodNotAllowed: HTTPHandler? = nil
    ) {
        self.router = router
        let endpoint: HTTPHandler = { request, context in
            if let route = context.route { return try await route.handler(request, context) }
            if let allowed = context.allowedMethods {
                if let methodNotAllowed { return try await methodNotAllowed(request, context) }
                var response = HTTPResponse.text("Method not allowed.\n", status: .methodNotAllowed)
                response.headers.set("Allow", allowed.map(\.rawValue).joined(separator: ", "))
                return response
            }
            return try await notFound(request, context)
        }
        chain = Self.compose(middleware[...], around: endpoint)
    }

    /// The first middleware around the rest, around `endpoint`. Built as concrete `HTTPHandler`
    /// closures (not through a generic `reduce`): no reabstraction thunk and no executor check at
    /// each layer of every request.
    private static func compose(_ middleware: ArraySlice<any HTTPMiddleware>, around endpoint: @escaping HTTPHandler) -> HTTPHandler {
        guard let first = middleware.first else { return endpoint }
        let next = compose(middleware.dropFirst(), around: endpoint)
        return { request, context in try await first.handle(request, context: context, next: next) }
    }

    /// Routes and answers `request`; `context` gets the match.
    package func respond(to request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse {
        try await chain(request, context)
    }

    /// Fills `context.route`, `parameters` and `allowedMethods` from the router.
    package func route(_ head: HTTPRequestHead, into context: inout RequestContext) {
        switch router.match(head.method, path: head.path) {
        case .found(let route, let parameters):
            context.route = route
            context.parameters = parameters
        case .methodNotAllowed(let allowed):
            context.allowedMethods = allowed
        case .notFound:
            break
        }
    }
}

private enum AllowedMethodsKey: ContextKey { typealias Value = [HTTPMethod] }

extension RequestContext {
    /// Set when the path matched only for other methods: the value of the `Allow` header.
    package var allowedMethods: [HTTPMethod]? {
        get { self[AllowedMethodsKey.self] }
        set { self[AllowedMethodsKey.self] = newValue }
    }
}
