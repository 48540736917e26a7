import WharfHTTP

/// The OpenAPI 3.1 document of `/api/v1`, assembled from the registered endpoints
/// (``AppRouter/api``): every documented route exists and every API route is documented, by
/// construction; `OpenAPITests` and schemathesis check the rest.
package enum OpenAPIDocument {
    /// What each path parameter means; a pattern with another parameter is a bug the tests catch.
    static let pathParameters: [String: String] = [
        "host": "The host's id, or its name.",
        "id": "The object's id (full or a unique prefix) or name.",
        "name": "The object's name (a volume's name is its id).",
        "user": "The user's id.",
        "token": "The token's id.",
        "job": "The job's id.",
    ]

    package static func build(_ endpoints: [APIEndpoint], version: String) -> JSONNode {
        var components: [String: JSONNode] = [:]
        var paths: [String: [String: JSONNode]] = [:]
        for endpoint in endpoints {
            let (path, names) = openAPIPath(endpoint.pattern)
            paths[path, default: [:]][endpoint.method.rawValue.lowercased()] = operation(
                endpoint, pathNames: names, components: &components)
        }
        return .object([
            "openapi": "3.1.0",
            "info": .object([
                "title": "Wharf API",
                "version": .string(version),
                "description": .string(
                    "Docker hosts, containers, images, volumes, networks and jobs, with the permissions and audit of the "
                        + "Wharf panel. Authenticate with `Authorization: Bearer <token>` (create tokens on your profile page) "
                        + "or a browser session. Errors are always `{\"error\":{\"code\",\"message\",\"requestId\"}}`. "
                        + "Each host also has a Docker Engine API endpoint for the docker CLI and SDKs, "
                        + "`/api/v1/hosts/{host}/docker/…` (API tokens only), described by the Engine API's own specification "
                        + "(v1.41) and not here."),
            ]),
            "servers": .array([.object(["url": "/"])]),
            "paths": .object(paths.mapValues { .object($0) }),
            "components": .object([
                "schemas": .object(components),
                "securitySchemes": .object([
                    "bearer": .object(["type": "http", "scheme": "bearer", "description": "A Wharf API token."]),
                    "session": .object(["type": "apiKey", "in": "cookie", "name": "wharf_session"]),
                ]),
            ]),
            "security": .array([.object(["bearer": .array([])]), .object(["session": .array([])])]),
        ])
    }

    /// `/api/v1/hosts/:host/containers` → (`/api/v1/hosts/{host}/containers`, ["host"]).
    static func openAPIPath(_ pattern: String) -> (String, [String]) {
        var names: [String] = []
        let segments = pattern.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            guard segment.hasPrefix(":") else { return String(segment) }
            names.append(String(segment.dropFirst()))
            return "{\(segment.dropFirst())}"
        }
        return (segments.joined(separator: "/"), names)
    }

    private static func operation(_ endpoint: APIEndpoint, pathNames: [String], components: inout [String: JSONNode]) -> JSONNode {
        let operation = endpoint.operation
        var parameters: [JSONNode] = pathNames.map { name in
            .object([
                "name": .string(name), "in": "path", "required": .bool(true),
                "description": .string(pathParameters[name] ?? name),
                "schema": .object(["type": "string", "minLength": .int(1)]),
            ])
        }
        for parameter in operation.query {
            parameters.append(.object([
                "name": .string(parameter.name), "in": "query", "required": .bool(parameter.required),
                "description": .string(parameter.description), "schema": parameter.schema.node(components: &components),
            ]))
        }
        var responses: [String: JSONNode] = [:]
        for response in operation.responses {
            var fields: [String: JSONNode] = ["description": .string(response.description)]
            if let schema = response.schema {
                fields["content"] = .object([response.contentType: .object(["schema": schema.node(components: &components)])])
            } else if response.contentType != "application/json" {
                fields["content"] = .object([response.contentType: .object([:])])
            }
            responses[String(response.status)] = .object(fields)
        }
        let error = ErrorPages.schema.node(components: &components)
        responses["4XX"] = .object([
            "description": "The request was refused; `error.message` says why and what to do.",
            "content": .object(["application/json": .object(["schema": error])]),
        ])
        responses["5XX"] = .object([
            "description": "A Docker engine could not be reached (502) or did not answer in time (504), or Wharf failed.",
            "content": .object(["application/json": .object(["schema": error])]),
        ])
        var fields: [String: JSONNode] = [
            "operationId": .string(operation.id),
            "summary": .string(operation.summary),
            "tags": .array([.string(operation.tag)]),
            "parameters": .array(parameters),
            "responses": .object(responses),
            "x-wharf-permission": .string(endpoint.permission.description),
        ]
        if let description = operation.description { fields["description"] = .string(description) }
        if endpoint.permission == .anonymous { fields["security"] = .array([]) }
        if let body = operation.body {
            fields["requestBody"] = .object([
                "required": .bool(true),
                "content": .object(["application/json": .object(["schema": body.node(components: &components)])]),
            ])
        } else if let type = operation.bodyContentType {
            fields["requestBody"] = .object([
                "required": .bool(true),
                "content": .object([type: .object(["schema": .object(["type": "string", "format": "binary"])])]),
            ])
        }
        return .object(fields)
    }
}
