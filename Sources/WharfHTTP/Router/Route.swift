/// Who may call a route. The application defines the concrete permissions; the router only
/// insists that every route names one (there is no default, so no route is unmarked) and hands
/// it to the authorization middleware.
package protocol RoutePermission: Sendable, CustomStringConvertible {}

/// The one handler shape: a request and its context in, a response out.
package typealias HTTPHandler = nonisolated(nonsending) @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse

/// A registered route.
package struct Route: Sendable {
    package let method: HTTPMethod
    /// The pattern as registered, e.g. `/hosts/:id/containers` or `/static/*path`.
    package let pattern: String
    package let permission: any RoutePermission
    /// Body size this route accepts; nil means ``HTTPLimits/defaultMaxBodyBytes``.
    package let maxBodyBytes: Int?
    package let handler: HTTPHandler
    /// Names of the `:parameters`, in path order, and of the trailing `*wildcard` if any.
    let parameterNames: [String]
    let wildcardName: String?
}

/// A pattern segment.
enum PatternSegment: Equatable {
    case literal(String)
    case parameter(String)
    case wildcard(String)

    static func parse(_ pattern: String) throws(RouterError) -> [PatternSegment] {
        guard pattern.first == "/" else { throw .invalidPattern(pattern, "must start with /") }
        let parts = pattern.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if pattern == "/" { return [] }
        var segments: [PatternSegment] = []
        for (index, part) in parts.enumerated() {
            if part.hasPrefix(":") {
                guard part.count > 1 else { throw .invalidPattern(pattern, "a parameter needs a name") }
                segments.append(.parameter(String(part.dropFirst())))
            } else if part.hasPrefix("*") {
                guard index == parts.count - 1 else { throw .invalidPattern(pattern, "a wildcard must be last") }
                segments.append(.wildcard(String(part.dropFirst())))
            } else {
                guard !part.contains(":"), !part.contains("*"), !part.contains("%") else {
                    throw .invalidPattern(pattern, "invalid literal segment \(part)")
                }
                segments.append(.literal(String(part)))
            }
        }
        return segments
    }
}

/// Why the route table could not be built; start-up stops with it.
package enum RouterError: Error, Equatable, CustomStringConvertible {
    case invalidPattern(String, String)
    /// Two routes with the same method match exactly the same paths.
    case clash(method: String, first: String, second: String)
    case duplicateParameter(String, String)

    package var description: String {
        switch self {
        case .invalidPattern(let pattern, let reason): "invalid route pattern \(pattern): \(reason)"
        case .clash(let method, let first, let second): "route clash: \(method) \(first) and \(method) \(second) match the same paths"
        case .duplicateParameter(let pattern, let name): "route \(pattern) names parameter :\(name) twice"
        }
    }
}
