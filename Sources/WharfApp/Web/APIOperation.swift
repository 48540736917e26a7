package import WharfHTTP

/// What one `/api/v1` route does, as its OpenAPI operation says: registered together with the
/// route (``AppRouter/api(_:_:permission:maxBodyBytes:operation:_:)``), so the document lists
/// exactly the routes that exist.
package struct APIOperation: Sendable {
    /// A query parameter.
    package struct Parameter: Sendable {
        package var name: String
        package var schema: JSONSchema
        package var description: String
        package var required = false

        package init(_ name: String, _ schema: JSONSchema, _ description: String, required: Bool = false) {
            self.name = name
            self.schema = schema
            self.description = description
            self.required = required
        }
    }

    /// A documented answer. `schema` nil: no body (204), or a body that is not JSON (`contentType`).
    package struct Response: Sendable {
        package var status: Int
        package var description: String
        package var schema: JSONSchema?
        package var contentType = "application/json"

        package init(_ status: Int, _ description: String, _ schema: JSONSchema? = nil, contentType: String = "application/json") {
            self.status = status
            self.description = description
            self.schema = schema
            self.contentType = contentType
        }
    }

    /// `operationId`: unique, camelCase (`listContainers`).
    package var id: String
    package var summary: String
    /// The group in the document (`containers`, `hosts`).
    package var tag: String
    package var description: String?
    package var query: [Parameter] = []
    /// A JSON request body's schema, if the operation takes one.
    package var body: JSONSchema?
    /// Another kind of request body (`application/x-tar`), streamed.
    package var bodyContentType: String?
    package var responses: [Response]

    package init(
        id: String, summary: String, tag: String, description: String? = nil, query: [Parameter] = [],
        body: JSONSchema? = nil, bodyContentType: String? = nil, responses: [Response]
    ) {
        self.id = id
        self.summary = summary
        self.tag = tag
        self.description = description
        self.query = query
        self.body = body
        self.bodyContentType = bodyContentType
        self.responses = responses
    }
}

/// A registered `/api/v1` route with its documentation.
package struct APIEndpoint: Sendable {
    package let method: HTTPMethod
    /// The full pattern, `/api/v1/hosts/:host/containers`.
    package let pattern: String
    package let permission: Permission
    package let operation: APIOperation
}
