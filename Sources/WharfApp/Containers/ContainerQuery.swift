import WharfDocker
import WharfHTTP

/// What a container list asks for, read the same way from a page's and from the API's query:
/// the engine's filters (one parameter per filter, repeatable — `status=running&label=a=b` — or
/// the engine's own `filters` JSON), `all`, `size`, and Wharf's sorting.
struct ContainerQuery: Sendable, Equatable {
    /// The engine's container filters (API v1.41, `GET /containers/json`).
    static let filterNames = [
        "ancestor", "before", "expose", "exited", "health", "id", "isolation", "is-task", "label", "name", "network",
        "publish", "since", "status", "volume",
    ]
    static let sortKeys = ["name", "image", "state", "created", "status", "size", "host"]

    var filters = DockerFilters()
    var all = false
    var size = false
    var sort = "name"
    var descending = false
    /// Only on the list across hosts: host ids or names to include (all visible when empty).
    var hosts: [String] = []

    init() {}

    /// - Throws: 400 naming the parameter that is wrong.
    init(_ request: HTTPRequest) throws {
        filters = try EngineFilterQuery.filters(request.queryItems, allowed: Self.filterNames, what: "container")
        for (name, value) in request.queryItems {
            switch name {
            case "all": all = try EngineFilterQuery.flag(name, value)
            case "size": size = try EngineFilterQuery.flag(name, value)
            case "sort":
                guard Self.sortKeys.contains(value) else {
                    throw HTTPError(.badRequest, "sort must be one of \(Self.sortKeys.joined(separator: ", ")).")
                }
                sort = value
            case "order":
                guard value == "asc" || value == "desc" else { throw HTTPError(.badRequest, "order must be asc or desc.") }
                descending = value == "desc"
            case "host": if !value.isEmpty { hosts.append(value) }
            default: continue
            }
        }
        try Self.checkValues(filters)
        // A state filter other than running only makes sense over all containers.
        if let states = filters.values["status"], states.contains(where: { $0 != "running" }) { all = true }
        if filters.values["exited"] != nil { all = true }
    }

    /// The filters whose values the engine parses (and answers a bad one with a 500): checked here,
    /// so a mistyped value is the user's 400, not the engine's failure.
    static func checkValues(_ filters: DockerFilters) throws {
        let states = ["created", "restarting", "running", "removing", "paused", "exited", "dead"]
        for (name, values) in filters.values {
            for value in values {
                switch name {
                case "exited" where Int32(value) == nil:
                    throw HTTPError(.badRequest, "exited takes an exit code, like 0 or 137.")
                case "status" where !states.contains(value):
                    throw HTTPError(.badRequest, "status is one of \(states.joined(separator: ", ")).")
                case "health" where !["starting", "healthy", "unhealthy", "none"].contains(value):
                    throw HTTPError(.badRequest, "health is one of starting, healthy, unhealthy, none.")
                case "is-task" where value != "true" && value != "false":
                    throw HTTPError(.badRequest, "is-task is true or false.")
                case "isolation" where !["default", "process", "hyperv"].contains(value):
                    throw HTTPError(.badRequest, "isolation is one of default, process, hyperv.")
                case "publish", "expose":
                    guard Self.isPortFilter(value) else {
                        throw HTTPError(.badRequest, "\(name) takes a port or range with an optional protocol: 80, 8000-8080/tcp.")
                    }
                default: continue
                }
            }
        }
    }

    /// `80`, `80/tcp`, `8000-8080/udp`.
    static func isPortFilter(_ value: String) -> Bool {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.count == 1 || ["tcp", "udp", "sctp"].contains(parts[1]) else { return false }
        let range = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        return (1...2).contains(range.count) && range.allSatisfy { UInt16($0) != nil }
    }

    /// Whether `container` passes this query's `all`, `status`, `name` and `label` filters, as the
    /// engine applies them (any of a filter's values; every filter), for lists kept in memory.
    func matches(_ container: ContainerJSON) -> Bool {
        if !all, container.state != "running" { return false }
        if let states = filters.values["status"], !states.contains(container.state) { return false }
        if let names = filters.values["name"], !names.contains(where: { name in container.names.contains { $0.contains(name) } }) {
            return false
        }
        for label in filters.values["label"] ?? [] {
            let parts = label.split(separator: "=", maxSplits: 1).map(String.init)
            guard let key = parts.first, let value = container.labels[key] else { return false }
            if parts.count == 2, value != parts[1] { return false }
        }
        return true
    }

    /// `containers` in the order asked for (name, then id, breaks ties so the order is stable).
    func sorted(_ containers: [ContainerJSON]) -> [ContainerJSON] {
        func key(_ container: ContainerJSON) -> (String, Int64) {
            switch sort {
            case "image": (container.image.lowercased(), 0)
            case "state": (container.state, 0)
            case "created": ("", container.created)
            case "status": (container.status.lowercased(), 0)
            case "size": ("", container.sizeRw ?? -1)
            case "host": (container.hostName.lowercased(), 0)
            default: (container.name.lowercased(), 0)
            }
        }
        return containers.sorted { left, right in
            let (a, b) = (key(left), key(right))
            if a != b { return descending ? a > b : a < b }
            if left.name != right.name { return left.name < right.name }
            return left.id < right.id
        }
    }

    /// The query again, for links that keep the filters (sort headers, pagination of pages).
    func queryString(sort: String? = nil, descending: Bool? = nil) -> String {
        var pairs: [(String, String)] = []
        if all { pairs.append(("all", "1")) }
        if size { pairs.append(("size", "1")) }
        for name in filters.values.keys.sorted() {
            for value in filters.values[name] ?? [] { pairs.append((name, value)) }
        }
        for host in hosts { pairs.append(("host", host)) }
        pairs.append(("sort", sort ?? self.sort))
        if descending ?? self.descending { pairs.append(("order", "desc")) }
        return pairs.map { FormDecoding.encode($0.0) + "=" + FormDecoding.encode($0.1) }.joined(separator: "&")
    }

    /// The query parameters as the OpenAPI document describes them.
    static let parameters: [APIOperation.Parameter] = [
        .init("all", .boolean(), "Include stopped containers (implied by a status filter other than running, and by exited)."),
        .init("size", .boolean(), "Include sizeRw and sizeRootFs (slower: the engine measures each container)."),
        .init("sort", .string(values: sortKeys), "Sort key; name by default."),
        .init("order", .string(values: ["asc", "desc"]), "Sort order; asc by default."),
        .init("filters", .string(), #"The engine's filters as JSON, e.g. {"status":["exited"],"label":["app=web"]}."#),
    ] + filterNames.map { .init($0, .string(), "The engine's \($0) filter (repeatable).") }
}
