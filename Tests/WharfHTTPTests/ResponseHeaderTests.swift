import Testing
import WharfHTTP
import WharfIO
import WharfTestSupport
import WharfWire

/// What every response carries, what HEAD leaves out, and what a handler cannot smuggle in.
@Suite struct ResponseHeaderTests {
    static func routes(_ routes: inout RouterBuilder) {
        commonRoutes(&routes)
        routes.add(.get, "/page", permission: .test) { _, _ in .html(Array("<!doctype html><p>hi</p>\n".utf8)) }
        routes.add(.get, "/data", permission: .test) { _, _ in .json(Array("{\"ok\":true}".utf8)) }
        routes.add(.get, "/fail", permission: .test) { _, _ in throw CustomFailure() }
        routes.add(.get, "/teapot", permission: .test) { _, _ in throw HTTPError(HTTPStatus(418, "I'm a teapot"), "short and stout", headers: ["X-Pot": "1"]) }
        routes.add(.get, "/empty", permission: .test) { _, _ in HTTPResponse(status: .noContent) }
    }

    struct CustomFailure: Error {}

    @Test func headHasTheHeadersOfGetAndNoBody() async throws {
        try await TestHTTPServer.run(middleware: [SecurityHeaders()], routes: Self.routes) { server in
            let client = try await server.connect()
            for path in ["/page", "/data", "/hello", "/nowhere"] {
                try await client.send(Wire.request("GET", path))
                let get = try await client.readResponse()
                try await client.send(Wire.request("HEAD", path) + Wire.request("GET", "/path/next"))
                let head = try await client.readResponse(forHEAD: true)
                let ignored: Set<String> = ["date", "x-request-id"]
                func fields(_ response: RawHTTPResponse) -> [String] {
                    response.headers.filter { !ignored.contains($0.name.lowercased()) }.map { "\($0.name): \($0.value)" }
                }
                #expect(head.status == get.status)
                #expect(fields(head) == fields(get), "\(path)")
                #expect(head["Content-Length"] == String(get.body.count))
                #expect(try await client.readResponse().text == "/path/next", "\(path): HEAD sent a body")
            }
        }
    }

    @Test func everyResponseHasDateServerAndAUniqueRequestID() async throws {
        try await TestHTTPServer.run(routes: Self.routes) { server in
            let requests: [(String, [UInt8], Int)] = [
                ("ok", Wire.request("GET", "/hello"), 200),
                ("no content", Wire.request("GET", "/empty"), 204),
                ("not found", Wire.request("GET", "/nowhere"), 404),
                ("method not allowed", Wire.request("PUT", "/hello"), 405),
                ("handler error", Wire.request("GET", "/fail"), 500),
                ("HTTPError", Wire.request("GET", "/teapot"), 418),
                ("bad request", Array("GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n".utf8), 400),
                ("too large", Wire.request("POST", "/echo", headers: [("Content-Length", "999999999")]), 413),
                ("not implemented", Wire.request("BREW", "/"), 501),
                ("version", Array("GET / HTTP/2.0\r\nHost: a\r\n\r\n".utf8), 505),
            ]
            var ids: Set<String> = []
            for (name, bytes, status) in requests {
                let response = try await server.response(to: bytes)
                #expect(response.status == status, "\(name)")
                #expect(response["Date"].map { $0.hasSuffix(" GMT") && $0.count == 29 } == true, "\(name): Date \(String(describing: response["Date"]))")
                #expect(response["Server"] == "wharf", "\(name)")
                let id = try #require(response["X-Request-Id"], "\(name)")
                #expect(ids.insert(id).inserted, "\(name): request id \(id) was used before")
                // Eight hex digits of the process's prefix, a dash, eight of the counter.
                let parts = id.split(separator: "-", omittingEmptySubsequences: false)
                #expect(parts.count == 2 && parts.allSatisfy { $0.count == 8 && $0.allSatisfy(\.isHexDigit) && $0 == $0.lowercased() }, "\(name): request id \(id)")
            }
        }
    }

    @Test func handlerErrorsBecomeAGeneric500WithTheRequestIDAndAreLogged() async throws {
        try await TestHTTPServer.run(routes: Self.routes) { server in
            let response = try await server.response(to: Wire.request("GET", "/fail"))
            #expect(response.status == 500)
            let id = try #require(response["X-Request-Id"])
            #expect(response.text.contains(id))
            #expect(!response.text.contains("CustomFailure"), "internal details reached the client")
            #expect(server.errorMessages.contains { $0.contains(id) && $0.contains("CustomFailure") })
            let teapot = try await server.response(to: Wire.request("GET", "/teapot"))
            #expect(teapot.status == 418)
            #expect(teapot["X-Pot"] == "1")
            #expect(teapot.text == "short and stout\n")
        }
    }

    static let injections: [(String, String)] = [
        ("X-Evil", "a\r\nSet-Cookie: pwned=1"),
        ("X-Evil", "a\nSet-Cookie: pwned=1"),
        ("X-Evil", "a\rSet-Cookie: pwned=1"),
        ("X-Evil", "a\r\n\r\n<script>pwned()</script>"),
        ("X-Evil", "nul\u{0}pwned"),
        ("X-Evil\r\nSet-Cookie", "pwned=1"),
        ("X-Evil: pwned", "1"),
        ("Location", "/next\r\nSet-Cookie: pwned=1"),
    ]

    @Test(arguments: injections)
    func headerWithCRLFOrControlCharactersBecomesA500NeverTheInjectedHeader(_ name: String, _ value: String) async throws {
        try await TestHTTPServer.run(middleware: [SecurityHeaders()]) { routes in
            routes.add(.get, "/inject", permission: .test) { _, _ in
                var response = HTTPResponse.text("fine")
                response.headers.set(name, value)
                return response
            }
        } test: { server in
            let client = try await server.connect()
            try await client.send(Wire.request("GET", "/inject"))
            let response = try await client.readResponse()
            #expect(response.status == 500)
            #expect(response["Set-Cookie"] == nil)
            let raw = String(decoding: response.rawHead + response.body, as: UTF8.self)
            #expect(!raw.contains("pwned"), "\(raw.debugDescription)")
            #expect(response.announcesClose)
            await expectServerCloses(client)
            #expect(server.errorMessages.contains { $0.contains("cannot be sent") })
        }
    }

    @Test func htmlGetsTheStrictSecurityHeaders() async throws {
        try await TestHTTPServer.run(middleware: [SecurityHeaders()], routes: Self.routes) { server in
            let response = try await server.response(to: Wire.request("GET", "/page"))
            let csp = try #require(response["Content-Security-Policy"])
            #expect(!csp.contains("unsafe-inline"))
            #expect(!csp.contains("unsafe-eval"))
            #expect(csp.contains("frame-ancestors 'none'"))
            #expect(csp.contains("script-src 'self'"))
            #expect(csp.contains("default-src 'self'"))
            #expect(response["X-Frame-Options"] == "DENY")
            #expect(response["Referrer-Policy"] == "same-origin")
            #expect(response["X-Content-Type-Options"] == "nosniff")
            #expect(response["Strict-Transport-Security"] == nil, "no HSTS over plain HTTP")
        }
    }

    @Test(arguments: ["/data", "/hello", "/nowhere", "/fail", "/teapot"])
    func otherResponsesGetNosniff(_ path: String) async throws {
        try await TestHTTPServer.run(middleware: [SecurityHeaders()], routes: Self.routes) { server in
            let response = try await server.response(to: Wire.request("GET", path))
            #expect(response["X-Content-Type-Options"] == "nosniff")
            #expect(response["Content-Security-Policy"] == nil)
        }
    }
}
