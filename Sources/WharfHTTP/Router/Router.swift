/// The route table: built once at start-up, then frozen into an immutable value.
///
/// Patterns are matched segment by segment over the raw (still percent-encoded) path, so an
/// encoded slash never splits a segment. Literal segments win over `:parameters`, which win over
/// a trailing `*wildcard`; matching backtracks, so `/hosts/new` and `/hosts/:id/edit` coexist.
package struct Router: Sendable {
    package let routes: [Route]
    private let nodes: [Node]
    /// Fully literal patterns by path, so most requests (pages, `/healthz`) resolve with one
    /// lookup. A literal route is always the first candidate of the tree walk, so the answer is
    /// the same; when its pattern lacks the method, the walk runs.
    private let literalRoutes: [String: [HTTPMethod: Int]]

    private struct Node: Sendable {
        var literals: [String: Int] = [:]
        var parameter: Int?
        /// Routes ending here, by method (index into `routes`).
        var endpoints: [HTTPMethod: Int] = [:]
        /// Routes whose trailing wildcard starts here.
        var wildcards: [HTTPMethod: Int] = [:]
    }

    /// The result of matching a request.
    package enum Match {
        case found(Route, RouteParameters)
        /// The path exists for other methods; the `Allow` header lists them.
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
    }

    /// Builds the table, refusing clashes and malformed patterns.
    package init(_ routes: [Route]) throws(RouterError) {
        var nodes = [Node()]
        var literalRoutes: [String: [HTTPMethod: Int]] = [:]
        for (index, route) in routes.enumerated() {
            var current = 0
            var names: Set<String> = []
            let segments = try PatternSegment.parse(route.pattern)
            let literals = segments.compactMap { segment -> String? in
                if case .literal(let text) = segment { return text }
                return nil
            }
            if literals.count == segments.count {
                literalRoutes["/" + literals.joined(separator: "/"), default: [:]][route.method] = index
            }
            for segment in segments {
                switch segment {
                case .literal(let text):
                    if let next = nodes[current].literals[text] {
                        current = next
                    } else {
                        nodes.append(Node())
                        nodes[current].literals[text] = nodes.count - 1
                        current = nodes.count - 1
                    }
                case .parameter(let name):
                    guard names.insert(name).inserted else { throw .duplicateParameter(route.pattern, name) }
                    if let next = nodes[current].parameter {
                        current = next
                    } else {
                        nodes.append(Node())
                        nodes[current].parameter = nodes.count - 1
                        current = nodes.count - 1
                    }
                case .wildcard(let name):
                    guard names.insert(name).inserted else { throw .duplicateParameter(route.pattern, name) }
                    if let existing = nodes[current].wildcards[route.method] {
                        throw .clash(method: route.method.rawValue, first: routes[existing].pattern, second: route.pattern)
                    }
                    nodes[current].wildcards[route.method] = index
                }
            }
            if case .wildcard = segments.last {} else {
                if let existing = nodes[current].endpoints[route.method] {
                    throw .clash(method: route.method.rawValue, first: routes[existing].pattern, second: route.pattern)
                }
                nodes[current].endpoints[route.method] = index
            }
        }
        self.routes = routes
        self.nodes = nodes
        self.literalRoutes = literalRoutes
    }

    /// Finds the route for `method` and the raw `path`. `HEAD` falls back to `GET`.
    package func match(_ method: HTTPMethod, path: String) -> Match {
        if let endpoints = literalRoutes[path], let index = endpoints[method] ?? (method == .head ? endpoints[.get] : nil) {
            return .found(routes[index], RouteParameters())
        }
        let segments = path.utf8.first == UInt8(ascii: "/")
            ? path.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Substring($0) }
            : []
        if path == "/" || path.isEmpty { return resolve(method, candidates: candidates(segments: [])) }
        return resolve(method, candidates: candidates(segments: segments))
    }

    /// Every (route index, captured values) whose pattern matches, in priority order.
    private func candidates(segments: [Substring]) -> [(endpoints: [HTTPMethod: Int], captures: [Substring], rest: [Substring]?)] {
        var found: [(endpoints: [HTTPMethod: Int], captures: [Substring], rest: [Substring]?)] = []
        var captures: [Substring] = []
        walk(node: 0, segments: segments[...], captures: &captures, found: &found)
        return found
    }

    private func walk(
        node: Int, segments: ArraySlice<Substring>, captures: inout [Substring],
        found: inout [(endpoints: [HTTPMethod: Int], captures: [Substring], rest: [Substring]?)]
    ) {
        let current = nodes[node]
        if let segment = segments.first {
            if let next = current.literals[String(segment)] {
                walk(node: next, segments: segments.dropFirst(), captures: &captures, found: &found)
            }
            if let next = current.parameter, !segment.isEmpty {
                captures.append(segment)
                walk(node: next, segments: segments.dropFirst(), captures: &captures, found: &found)
                captures.removeLast()
            }
        } else if !current.endpoints.isEmpty {
            found.append((current.endpoints, captures, nil))
        }
        if !current.wildcards.isEmpty {
            found.append((current.wildcards, captures, Array(segments)))
        }
    }

    private func resolve(
        _ method: HTTPMethod, candidates: [(endpoints: [HTTPMethod: Int], captures: [Substring], rest: [Substring]?)]
    ) -> Match {
        for candidate in candidates {
            guard let index = candidate.endpoints[method] ?? (method == .head ? candidate.endpoints[.get] : nil) else {
                continue
            }
            let route = routes[index]
            var pairs: [(String, String)] = []
            for (name, raw) in zip(route.parameterNames, candidate.captures) {
                pairs.append((name, FormDecoding.decode(raw) ?? String(raw)))
            }
            if let wildcard = route.wildcardName, let rest = candidate.rest {
                // The wildcard keeps its raw form: whoever uses it (static files) decodes per segment.
                pairs.append((wildcard, rest.joined(separator: "/")))
            }
            return .found(route, RouteParameters(pairs))
        }
        var allowed: Set<HTTPMethod> = []
        for candidate in candidates { allowed.formUnion(candidate.endpoints.keys) }
        if allowed.isEmpty { return .notFound }
        if allowed.contains(.get) { allowed.insert(.head) }
        return .methodNotAllowed(allowed: allowed.sorted { $0.rawValue < $1.rawValue })
    }
}

/// Collects routes at start-up. Every registration names its permission.
package struct RouterBuilder {
    package private(set) var routes: [Route] = []

    package init() {}

    /// Registers `handler` for `method` and `pattern`.
    /// - Parameters:
    ///   - permission: who may call it; required, so no route is unmarked.
    ///   - maxBodyBytes: the body this route accepts (413 over it); nil for the server default.
    package mutating func add(
        _ method: HTTPMethod, _ pattern: String, permission: some RoutePermission, maxBodyBytes: Int? = nil,
        _ handler: @escaping HTTPHandler
    ) {
        let segments = (try? PatternSegment.parse(pattern)) ?? []
        var names: [String] = []
        var wildcard: String?
        for segment in segments {
            if case .parameter(let name) = segment { names.append(name) }
            if case .wildcard(let name) = segment { wildcard = name }
        }
        routes.append(Route(
            method: method, pattern: pattern, permission: permission, maxBodyBytes: maxBodyBytes, handler: handler,
            parameterNames: names, wildcardName: wildcard))
    }

    /// Freezes the table. - Throws: ``RouterError`` on a clash or a malformed pattern.
    package func build() throws(RouterError) -> Router { try Router(routes) }
}
