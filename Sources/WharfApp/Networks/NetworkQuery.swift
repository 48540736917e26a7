import WharfDocker
import WharfHTTP

/// What a network list asks for, read the same way from a page's and the API's query: the
/// engine's filters (`dangling`, `driver`, `id`, `label`, `name`, `scope`, `type`).
struct NetworkQuery: Sendable, Equatable {
    static let filterNames = ["dangling", "driver", "id", "label", "name", "scope", "type"]

    var filters = DockerFilters()

    init() {}

    /// - Throws: 400 naming the parameter that is wrong.
    init(_ request: HTTPRequest) throws {
        filters = try EngineFilterQuery.filters(request.queryItems, allowed: Self.filterNames, what: "network")
        for value in filters.values["type"] ?? [] where value != "custom" && value != "builtin" {
            throw HTTPError(.badRequest, "type must be custom or builtin.")
        }
        for value in filters.values["scope"] ?? [] where !["local", "global", "swarm"].contains(value) {
            throw HTTPError(.badRequest, "scope must be local, global or swarm.")
        }
        for value in filters.values["dangling"] ?? [] where !["true", "false", "1", "0"].contains(value) {
            throw HTTPError(.badRequest, "dangling must be true or false.")
        }
    }

    static let parameters = EngineFilterQuery.parameters(filterNames, what: "network")
}
