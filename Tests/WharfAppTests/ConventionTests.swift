import WharfWire
import FoundationEssentials
import Testing
import WharfApp
import WharfDocker
import WharfHTTP
import WharfTLS

/// The conventions every panel page and API route follows: errors that state their own answer,
/// `/api/v1` with its OpenAPI document, the moved paths, host names that cannot clash with fixed
/// routes, and the flash a failed page action leaves.
@Suite struct ConventionTests {
    @Test(arguments: [
        (DockerError.api(status: 404, message: "No such container: web-1"), 404, "not_found", "No such container: web-1"),
        (.api(status: 409, message: "You cannot remove a running container 9f3c2a1b0d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4. Stop the container before attempting removal or force remove"),
         409, "conflict", "web-1 is running: stop it first, or remove it with force."),
        (.api(status: 400, message: "invalid reference format"), 400, "bad_request", "invalid reference format"),
        (.api(status: 500, message: "driver failed"), 502, "engine_error", "The engine of alpha failed: driver failed"),
        (.unreachable(address: "unix:///nowhere.sock", reason: "No such file or directory"), 502, "host_unreachable", "alpha: Cannot reach"),
        (.timedOut(address: "127.0.0.1:1", phase: .responseHead), 504, "host_timeout", "waiting for the response head"),
        (.tls(address: "127.0.0.1:1", underlying: .notTLS), 502, "host_tls", "does not speak TLS"),
        (.stream(message: "manifest unknown", code: nil), 502, "engine_error", "The engine of alpha reported: manifest unknown"),
    ])
    func dockerErrorsStateTheirAnswerAndNameTheHost(error: DockerError, status: Int, code: String, message: String) {
        let named = EngineError(hostName: "alpha", error, subject: "web-1")
        #expect(named.status.code == status)
        #expect(named.code == code)
        #expect(named.publicMessage.contains(message), "\(named.publicMessage)")
        #expect(named.status.code != 500)
    }

    @Test func theEnginesConflictsAreSaidInPlainWords() {
        let id = String(repeating: "ab", count: 32)
        let cases: [(String, String)] = [
            ("Conflict. The container name \"/web-1\" is already in use by container \"\(id)\". You have to remove (or rename) that container to be able to reuse that name.",
             "The name web-1 is already used by container ababababab"),
            ("Container \(id) is not running", "abababababab is not running: start it first."),
            ("Container \(id) is paused, unpause the container before stopping or killing", "abababababab is paused: unpause it first."),
            ("Container \(id) is already paused", "abababababab is already paused."),
            ("remove data: volume is in use - [\(id), \(id)]", "Volume data is used by container abababababab, abababababab"),
            ("error while removing network: network n id 123 has active endpoints", "network n id 123 has active endpoints: disconnect"),
            ("something new", "something new"),
        ]
        for (engine, plain) in cases {
            let message = EngineError(hostName: "h", .api(status: 409, message: engine)).publicMessage
            #expect(message.contains(plain), "\(engine) → \(message)")
        }
    }

    @Test func apiErrorsHaveOneShapeWithTheSameStatus() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            let token = try await app.accounts.createToken(userID: 1, name: "t", role: nil, expiresInDays: nil, by: cliActor).secret
            for (path, status, code) in [("/api/v1/hosts/nowhere", 404, "not_found"), ("/api/v1/nothing", 404, "not_found")] {
                let response = try await app.respond(HTTPRequest.make(.get, path, headers: ["Authorization": "Bearer \(token)"]))
                #expect(response.status.code == status)
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.bodyBytes ?? []))
                #expect(body.error.code == code)
                #expect(!body.error.message.isEmpty && body.error.requestId == "test")
            }
            let anonymous = try await app.respond(HTTPRequest.make(.get, "/api/v1/hosts"))
            #expect(anonymous.status == .unauthorized)
            #expect(try JSONDecoder().decode(ErrorBody.self, from: Data(anonymous.bodyBytes ?? [])).error.code == "unauthorized")
        }
    }

    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            let code: String
            let message: String
            let requestId: String
        }
        let error: Detail
    }

    @Test func movedPathsAnswer308WithTheirQuery() async throws {
        try await withApp { app in
            for (old, new) in [("/api/me?x=1", "/api/v1/me?x=1"), ("/api/hosts", "/api/v1/hosts"), ("/api/hosts/alpha%20b", "/api/v1/hosts/alpha%20b")] {
                let response = try await app.respond(HTTPRequest.make(.get, old))
                #expect(response.status.code == 308)
                #expect(response.headers["Location"] == new)
            }
        }
    }

    @Test func theOpenAPIDocumentListsExactlyTheAPIRoutes() async throws {
        try await withApp { app in
            let response = try await app.respond(HTTPRequest.make(.get, "/api/v1/openapi.json"))
            #expect(response.status == .ok)
            let document = try JSONDecoder().decode(OpenAPIShape.self, from: Data(response.bodyBytes ?? []))
            #expect(document.openapi == "3.1.0")
            var documented: Set<String> = []
            for (path, operations) in document.paths {
                for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            var registered: Set<String> = []
            for route in app.app.responder.router.routes where route.pattern.hasPrefix("/api/v1/") && !Self.isDockerEndpoint(route.pattern) {
                let path = route.pattern.split(separator: "/", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
                registered.insert("\(route.method.rawValue) \(path)")
            }
            #expect(documented == registered, "documented only: \(documented.subtracting(registered)); registered only: \(registered.subtracting(documented))")
            // Every path parameter is described, and every operation has an id and the error responses.
            var ids: Set<String> = []
            for (path, operations) in document.paths {
                for (method, operation) in operations {
                    #expect(ids.insert(operation.operationId).inserted, "duplicate operationId \(operation.operationId)")
                    #expect(operation.responses["4XX"] != nil, "\(method) \(path) documents no 4XX")
                    for parameter in operation.parameters where parameter.in == "path" {
                        #expect(parameter.description != parameter.name, "\(method) \(path): parameter \(parameter.name) is not described")
                    }
                }
            }
        }
    }

    /// Methods a path does not take answer 405 with `Allow` and the error shape, never 5xx; TRACE
    /// and QUERY are known methods no route takes.
    @Test func undeclaredMethodsAre405WithAllow() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            let token = try await app.accounts.createToken(userID: 1, name: "t", role: nil, expiresInDays: nil, by: cliActor).secret
            for route in app.app.responder.router.routes where route.pattern.hasPrefix("/api/v1/") && !Self.isDockerEndpoint(route.pattern) {
                let path = route.pattern.replacing(":host", with: "1").replacing(":id", with: "x")
                for method in [HTTPMethod.trace, .query, .patch] {
                    let response = try await app.respond(HTTPRequest.make(method, path, headers: ["Authorization": "Bearer \(token)"]))
                    #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                    #expect(response.headers["Allow"]?.contains(route.method.rawValue) == true, "\(method) \(path)")
                    #expect(try JSONDecoder().decode(ErrorBody.self, from: Data(response.bodyBytes ?? [])).error.code == "method_not_allowed")
                }
            }
        }
    }

    /// The Docker endpoint speaks the Engine API (its own specification and error shape), not
    /// /api/v1's: it is left out of the OpenAPI document and of these checks.
    static func isDockerEndpoint(_ pattern: String) -> Bool { pattern.hasPrefix("/api/v1/hosts/:host/docker/") }

    struct OpenAPIShape: Decodable {
        struct Operation: Decodable {
            struct Parameter: Decodable {
                let name: String
                let `in`: String
                let description: String
            }
            let operationId: String
            let parameters: [Parameter]
            let responses: [String: JSONValue]
        }
        let openapi: String
        let paths: [String: [String: Operation]]
    }

    @Test(arguments: ["new", "NEW", "42", ".", ".."])
    func hostNamesCannotClashWithIdsOrFixedRoutes(name: String) {
        #expect(HostInput.nameProblem(name) != nil)
    }

    @Test func namesWithDigitsAndLettersAreFine() {
        for name in ["local", "test", "engine-2", "10.0.0.5", "n3w"] { #expect(HostInput.nameProblem(name) == nil, "\(name)") }
    }

    @Test func aFlashIsSignedShownOnceAndForgeriesAreIgnored() async throws {
        let signer = FlashSigner(signer: RequestSigner(key: Array(repeating: 7, count: 32)))
        let context = RequestContext(requestID: "t")
        let request = HTTPRequest.make(.post, "/hosts/1/x", headers: ["Host": "panel:8080", "Referer": "http://panel:8080/hosts/1/containers?all=1#top"])
        let back = signer.redirectBack(request, fallback: "/hosts/1", .error("<b>web-1</b> is running"), context: context)
        #expect(back.status == .seeOther && back.location == "/hosts/1/containers?all=1")
        let elsewhere = HTTPRequest.make(.post, "/hosts/1/x", headers: ["Host": "panel:8080", "Referer": "http://evil.example/x"])
        #expect(signer.redirectBack(elsewhere, fallback: "/hosts/1", .notice("ok"), context: context).location == "/hosts/1")

        let cookie = try #require(back.headers["Set-Cookie"]?.split(separator: ";").first.map(String.init))
        let middleware = FlashMiddleware(signer: signer)
        let page: HTTPHandler = { _, context in
            .html(Array("flash: \(context.flash.map { "\($0)" } ?? "none")".utf8))
        }
        let shown = try await middleware.handle(HTTPRequest.make(.get, "/hosts/1", headers: ["Cookie": cookie]), context: context, next: page)
        #expect(String(decoding: shown.bodyBytes ?? [], as: UTF8.self).contains("<b>web-1</b> is running"))
        #expect(shown.headers["Set-Cookie"]?.contains("Max-Age=0") == true)

        let forged = cookie.replacing("wharf_flash=", with: "wharf_flash=x")
        let ignored = try await middleware.handle(HTTPRequest.make(.get, "/", headers: ["Cookie": forged]), context: context, next: page)
        #expect(String(decoding: ignored.bodyBytes ?? [], as: UTF8.self) == "flash: none")
    }

    @Test func flashesAreEscapedOnPages() async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            let browser = TestBrowser(app)
            try await browser.signIn("root")
            let signer = FlashSigner(signer: app.accounts.signer)
            let set = signer.redirect(to: "/", .error("<img src=x onerror=alert(1)>"), context: RequestContext(requestID: "t"))
            let cookie = try #require(set.headers["Set-Cookie"]?.split(separator: ";").first?.split(separator: "=", maxSplits: 1))
            browser.setCookie(String(cookie[0]), String(cookie[1]))
            let page = try await browser.get("/")
            #expect(page.text.contains("&lt;img src=x onerror=alert(1)&gt;"))
            #expect(!page.text.contains("<img src=x"))
        }
    }
}
