import Testing
import WharfHTTP
import WharfTestSupport
import WharfWire

@Suite struct RouterTests {
    /// A router whose handlers answer with their own pattern, so a match names its route.
    static func router(_ routes: [(HTTPMethod, String)]) throws -> Router {
        var builder = RouterBuilder()
        for (method, pattern) in routes {
            builder.add(method, pattern, permission: .test) { _, _ in .text(pattern) }
        }
        return try builder.build()
    }

    enum Result: Equatable {
        case found(String, [String])
        case methodNotAllowed([String])
        case notFound
    }

    static func match(_ router: Router, _ method: HTTPMethod, _ path: String) -> Result {
        switch router.match(method, path: path) {
        case .found(let route, let parameters):
            .found("\(route.method) \(route.pattern)", parameters.all.map { "\($0.0)=\($0.1)" })
        case .methodNotAllowed(let allowed): .methodNotAllowed(allowed.map(\.rawValue))
        case .notFound: .notFound
        }
    }

    @Test func capturesNamedParametersPercentDecoded() throws {
        let router = try Self.router([(.get, "/hosts/:host/containers/:id")])
        #expect(Self.match(router, .get, "/hosts/h1/containers/web%20app")
            == .found("GET /hosts/:host/containers/:id", ["host=h1", "id=web app"]))
        #expect(Self.match(router, .get, "/hosts/h1/containers") == .notFound)
        #expect(Self.match(router, .get, "/hosts//containers/x") == .notFound, "a parameter is never empty")
    }

    @Test func encodedSlashStaysInsideOneParameter() throws {
        let router = try Self.router([(.get, "/images/:name")])
        #expect(Self.match(router, .get, "/images/library%2Fnginx") == .found("GET /images/:name", ["name=library/nginx"]))
    }

    @Test func trailingWildcardCapturesTheRawRest() throws {
        let router = try Self.router([(.get, "/static/*path"), (.get, "/")])
        #expect(Self.match(router, .get, "/static/css/app%20x.css") == .found("GET /static/*path", ["path=css/app%20x.css"]))
        #expect(Self.match(router, .get, "/static/") == .found("GET /static/*path", ["path="]))
        #expect(Self.match(router, .get, "/") == .found("GET /", []))
        #expect(Self.match(router, .get, "/other") == .notFound)
    }

    @Test func literalWinsOverParameterWhichWinsOverWildcard() throws {
        let router = try Self.router([(.get, "/files/*rest"), (.get, "/files/:name"), (.get, "/files/readme")])
        #expect(Self.match(router, .get, "/files/readme") == .found("GET /files/readme", []))
        #expect(Self.match(router, .get, "/files/other") == .found("GET /files/:name", ["name=other"]))
        #expect(Self.match(router, .get, "/files/a/b") == .found("GET /files/*rest", ["rest=a/b"]))
    }

    @Test func matchingBacktracksFromALiteralToAParameter() throws {
        let router = try Self.router([(.get, "/hosts/new"), (.get, "/hosts/:id/edit"), (.post, "/hosts/:id")])
        #expect(Self.match(router, .get, "/hosts/new") == .found("GET /hosts/new", []))
        #expect(Self.match(router, .get, "/hosts/new/edit") == .found("GET /hosts/:id/edit", ["id=new"]))
        #expect(Self.match(router, .post, "/hosts/new") == .found("POST /hosts/:id", ["id=new"]))
    }

    @Test func headFallsBackToGetButAnExplicitHeadWins() throws {
        let router = try Self.router([(.get, "/a"), (.get, "/b"), (.head, "/b")])
        #expect(Self.match(router, .head, "/a") == .found("GET /a", []))
        #expect(Self.match(router, .head, "/b") == .found("HEAD /b", []))
    }

    @Test func wrongMethodListsEveryAllowedMethodWithHeadForGet() throws {
        let router = try Self.router([(.get, "/hosts/new"), (.post, "/hosts/:id"), (.delete, "/hosts/:id")])
        #expect(Self.match(router, .put, "/hosts/new") == .methodNotAllowed(["DELETE", "GET", "HEAD", "POST"]))
        #expect(Self.match(router, .get, "/hosts/7") == .methodNotAllowed(["DELETE", "POST"]))
        #expect(Self.match(router, .get, "/nowhere") == .notFound)
    }

    @Test func routesThatMatchTheSamePathsClashAtBuild() {
        #expect(throws: RouterError.clash(method: "GET", first: "/a/:x", second: "/a/:y")) {
            try Self.router([(.get, "/a/:x"), (.get, "/a/:y")])
        }
        #expect(throws: RouterError.clash(method: "GET", first: "/s/*a", second: "/s/*b")) {
            try Self.router([(.get, "/s/*a"), (.get, "/s/*b")])
        }
        #expect(throws: RouterError.clash(method: "POST", first: "/x", second: "/x")) {
            try Self.router([(.post, "/x"), (.post, "/x")])
        }
        #expect(throws: Never.self) { try Self.router([(.get, "/a/:x"), (.post, "/a/:y"), (.get, "/a/b")]) }
    }

    @Test(arguments: ["no-slash", "/a/*rest/more", "/a/:", "/a/b%2Fc", "/a/b:c", "/a/:id/:id"])
    func malformedPatternIsRefusedAtBuild(_ pattern: String) {
        #expect(throws: RouterError.self) { try Self.router([(.get, pattern)]) }
    }

    @Test func responderAnswers405WithAllowAnd404ThroughMiddleware() async throws {
        var builder = RouterBuilder()
        builder.add(.get, "/thing", permission: .test) { _, _ in .text("thing") }
        builder.add(.post, "/thing", permission: .test) { _, _ in .text("posted") }
        let seen = Locked<[Int]>([])
        let middleware = ClosureMiddleware { request, context, next in
            let response = try await next(request, context)
            seen.withLock { $0.append(response.status.code) }
            return response
        }
        let responder = HTTPResponder(router: try builder.build(), middleware: [middleware])
        for (method, path) in [(HTTPMethod.delete, "/thing"), (.get, "/missing"), (.head, "/thing")] {
            let request = HTTPRequest.make(method, path)
            var context = RequestContext(requestID: "test")
            responder.route(request.head, into: &context)
            let response = try await responder.respond(to: request, context: context)
            if method == .delete {
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers["Allow"] == "GET, HEAD, POST")
            }
        }
        #expect(seen.value == [405, 404, 200])
    }
}
