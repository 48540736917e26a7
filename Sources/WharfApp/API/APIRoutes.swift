import WharfWire
import WharfHTTP

/// What `/api/v1` has besides its resources: who am I, the OpenAPI document, and permanent
/// redirects from the paths used before the API was versioned.
struct APIRoutes {
    /// `GET /api/v1/me`.
    struct Me: Encodable {
        let id: Int64
        let username: String
        let role: String
        /// `session` or `token`.
        let via: String

        static let schema = JSONSchema.named("Me", .object([
            "id": .integer(), "username": .string(), "role": .string(values: Role.allCases.map(\.rawValue)),
            "via": .string(description: "How the request authenticated.", values: ["session", "token"]),
        ], required: ["id", "username", "role", "via"]))
    }

    /// The paths that moved under `/api/v1`; the old ones answer `308` to the new.
    static let moved: [(old: String, new: String)] = [
        ("/api/me", "/api/v1/me"), ("/api/hosts", "/api/v1/hosts"), ("/api/hosts/:host", "/api/v1/hosts/:host"),
    ]

    func register(into router: inout AppRouter) {
        router.api(.get, "/me", permission: .signedIn, operation: APIOperation(
            id: "getMe", summary: "Who the session or token is", tag: "accounts",
            responses: [.init(200, "The signed-in user", Me.schema)])
        ) { _, context in
            guard let principal = context.principal else { throw HTTPError(.unauthorized, "Sign in first.") }
            return try .json(encoding: Me(
                id: principal.userID, username: principal.username, role: principal.role.rawValue,
                via: principal.sessionID == nil ? "token" : "session"))
        }
        for (old, new) in Self.moved {
            router.add(.get, old, permission: .anonymous) { request, context in
                var target = new.replacing(":host", with: FormDecoding.encode(context.parameters["host"] ?? ""))
                if let query = request.query { target += "?" + query }
                return .redirect(to: target, status: HTTPStatus(code: 308))
            }
        }
    }

    /// `GET /api/v1/openapi.json`: registered after every other route, so the document lists them all.
    static func registerDocument(into router: inout AppRouter) throws {
        let operation = APIOperation(
            id: "getOpenAPIDocument", summary: "This document", tag: "meta",
            responses: [.init(200, "The OpenAPI 3.1 document of /api/v1", .any())])
        let endpoint = APIEndpoint(method: .get, pattern: AppRouter.apiPrefix + "/openapi.json", permission: .anonymous, operation: operation)
        let document = try JSONBody.encode(OpenAPIDocument.build(router.api + [endpoint], version: WharfVersion.current))
        router.api(.get, "/openapi.json", permission: .anonymous, operation: operation) { _, _ in
            var response = HTTPResponse.json(document)
            response.headers.set("Cache-Control", "no-cache")
            return response
        }
    }
}
