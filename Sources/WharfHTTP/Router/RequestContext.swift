package import WharfIO

/// A key for a value middleware attaches to a request's context (the signed-in user, the session…).
///
/// ```swift
/// enum PrincipalKey: ContextKey { typealias Value = Principal }
/// context[PrincipalKey.self] = principal
/// ```
package protocol ContextKey {
    associatedtype Value: Sendable
}

/// Per-request state that flows through middleware to the handler.
package struct RequestContext: Sendable {
    /// Identifies the request in logs and in the `X-Request-Id` response header.
    package let requestID: String
    /// The client's address (nil for in-process calls).
    package let remoteAddress: SocketAddress?
    /// When the request head was complete.
    package let receivedAt: Deadline
    /// The matched route, nil when nothing matched (the 404/405 handlers still run through middleware).
    package var route: Route?
    /// Named parameters and the wildcard captured from the path, percent-decoded.
    package var parameters: RouteParameters
    /// Whether the connection is TLS (cookies get `Secure`, HSTS is sent).
    package var isSecure: Bool
    /// Values middleware attached, by key type. A handful per request: a short list scanned in
    /// order costs less than hashing, and far less than copying a dictionary's storage each time
    /// a middleware changes its copy of the context.
    private var values: [(key: ObjectIdentifier, value: any Sendable)] = []

    package init(
        requestID: String, remoteAddress: SocketAddress? = nil, receivedAt: Deadline = .now,
        route: Route? = nil, parameters: RouteParameters = RouteParameters(), isSecure: Bool = false
    ) {
        self.requestID = requestID
        self.remoteAddress = remoteAddress
        self.receivedAt = receivedAt
        self.route = route
        self.parameters = parameters
        self.isSecure = isSecure
    }

    package subscript<Key: ContextKey>(_ key: Key.Type) -> Key.Value? {
        get {
            let id = ObjectIdentifier(key)
            for entry in values where entry.key == id { return entry.value as? Key.Value }
            return nil
        }
        set {
            let id = ObjectIdentifier(key)
            if let index = values.firstIndex(where: { $0.key == id }) {
                if let newValue { values[index].value = newValue } else { values.remove(at: index) }
            } else if let newValue {
                if values.isEmpty { values.reserveCapacity(6) }
                values.append((id, newValue))
            }
        }
    }
}

/// Values captured from a path pattern.
package struct RouteParameters: Sendable {
    private var pairs: [(String, String)] = []

    package init(_ pairs: [(String, String)] = []) { self.pairs = pairs }

    /// The decoded value of `:name` (or of the wildcard `*name`).
    package subscript(_ name: String) -> String? {
        pairs.first { $0.0 == name }?.1
    }

    package var all: [(String, String)] { pairs }
}
