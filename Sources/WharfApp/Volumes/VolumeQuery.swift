import WharfDocker
import WharfHTTP

/// What a volume list asks for, read the same way from a page's and the API's query: the
/// engine's filters (`dangling`, `driver`, `label`, `name`) and `size` (measure each volume
/// through `system/df`, which walks the volumes' files and every container's layer, so it is
/// asked for, not done for every list).
struct VolumeQuery: Sendable, Equatable {
    static let filterNames = ["dangling", "driver", "label", "name"]

    var filters = DockerFilters()
    var size = false

    init() {}

    /// - Throws: 400 naming the parameter that is wrong.
    init(_ request: HTTPRequest) throws {
        filters = try EngineFilterQuery.filters(request.queryItems, allowed: Self.filterNames, what: "volume")
        if let value = request.queryValue("size") { size = try EngineFilterQuery.flag("size", value) }
        for value in filters.values["dangling"] ?? [] where !["true", "false", "1", "0"].contains(value) {
            throw HTTPError(.badRequest, "dangling must be true or false.")
        }
    }

    static let parameters: [APIOperation.Parameter] =
        [.init("size", .boolean(), "Include each volume's size, from system/df (slower: the engine measures every volume).")]
        + EngineFilterQuery.parameters(filterNames, what: "volume")
}
