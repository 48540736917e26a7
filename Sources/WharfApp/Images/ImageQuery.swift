import WharfDocker
import WharfHTTP
import WharfWire

/// What an image list asks for, read the same way from the page's and the API's query: the
/// engine's filters (`dangling`, `reference`, `label`, `before`, `since`; repeatable parameters
/// or its `filters` JSON), `all` (intermediate images too), and sorting.
struct ImageQuery: Sendable, Equatable {
    static let filterNames = ["before", "dangling", "label", "reference", "since"]
    static let sortKeys = ["tag", "created", "size", "containers"]

    var filters = DockerFilters()
    var all = false
    var sort = "created"
    var descending = true

    init() {}

    /// - Throws: 400 naming the parameter that is wrong.
    init(_ request: HTTPRequest) throws {
        let items = request.queryItems
        filters = try EngineFilterQuery.filters(items, allowed: Self.filterNames, what: "image")
        for (name, value) in items {
            switch name {
            case "all": all = try EngineFilterQuery.flag(name, value, bare: true)
            case "sort":
                guard Self.sortKeys.contains(value) else { throw HTTPError(.badRequest, "sort must be one of \(Self.sortKeys.joined(separator: ", ")).") }
                sort = value
            case "order":
                guard value == "asc" || value == "desc" else { throw HTTPError(.badRequest, "order must be asc or desc.") }
                descending = value == "desc"
            default: break
            }
        }
        if let dangling = filters.values["dangling"], dangling.contains(where: { !["true", "false", "1", "0"].contains($0) }) {
            throw HTTPError(.badRequest, "dangling must be true or false.")
        }
    }

    func sorted(_ images: [ImageJSON]) -> [ImageJSON] {
        images.sorted { left, right in
            let order: Bool? = switch sort {
            case "tag": left.tags.first ?? "~" == right.tags.first ?? "~" ? nil : (left.tags.first ?? "~") < (right.tags.first ?? "~")
            case "size": left.size == right.size ? nil : left.size < right.size
            case "containers": left.containers == right.containers ? nil : left.containers < right.containers
            default: left.created == right.created ? nil : left.created < right.created
            }
            guard let order else { return left.id < right.id }
            return descending ? !order : order
        }
    }

    /// The query again with another sort, for the column headers.
    func queryString(sort: String, descending: Bool) -> String {
        var pairs: [(String, String)] = []
        if all { pairs.append(("all", "1")) }
        for name in filters.values.keys.sorted() {
            for value in filters.values[name] ?? [] { pairs.append((name, value)) }
        }
        pairs.append(("sort", sort))
        pairs.append(("order", descending ? "desc" : "asc"))
        return pairs.map { FormDecoding.encode($0.0) + "=" + FormDecoding.encode($0.1) }.joined(separator: "&")
    }

    static let parameters: [APIOperation.Parameter] = [
        .init("all", .boolean(), "Include intermediate images."),
        .init("sort", .string(values: sortKeys), "Sort key; created by default."),
        .init("order", .string(values: ["asc", "desc"]), "Sort order; desc by default."),
        .init("filters", .string(), #"The engine's filters as JSON, e.g. {"dangling":["true"]}."#),
        .init("dangling", .string(values: ["true", "false"]), "Only untagged images (true), or only tagged ones (false)."),
        .init("reference", .string(), "Only images whose name matches, e.g. busybox or busybox:1.*; repeatable."),
        .init("label", .string(), "Only images with this label (key or key=value); repeatable."),
        .init("before", .string(), "Only images created before this one (name or id)."),
        .init("since", .string(), "Only images created after this one (name or id)."),
    ]
}
