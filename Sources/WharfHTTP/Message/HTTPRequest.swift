package import WharfWire

/// A request as handlers see it: the parsed head and a streamed body.
package struct HTTPRequest: Sendable {
    package var head: HTTPRequestHead
    package var body: RequestBody

    package init(head: HTTPRequestHead, body: RequestBody = .empty) {
        self.head = head
        self.body = body
    }

    package var method: HTTPMethod { head.method }
    /// The path, still percent-encoded.
    package var path: String { head.path }
    /// The query string without `?`, still percent-encoded.
    package var query: String? { head.query }
    package var headers: HTTPHeaders { head.headers }

    /// The decoded query parameters, in order (`a=1&b=x%20y` → `[("a","1"),("b","x y")]`).
    package var queryItems: [(name: String, value: String)] {
        guard let query else { return [] }
        return FormDecoding.pairs(query)
    }

    /// The first value of query parameter `name`.
    package func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// `Last-Event-ID` from a reconnecting `EventSource`, for resuming a server-sent event stream.
    package var lastEventID: String? { head.headers["Last-Event-ID"] }

    /// A request value for tests: `HTTPRequest.make(.post, "/hosts", body: …)`.
    package static func make(
        _ method: HTTPMethod = .get, _ target: String = "/", headers: HTTPHeaders = ["Host": "localhost"],
        body: [UInt8] = []
    ) -> HTTPRequest {
        var head = HTTPRequestHead(method: method, target: target, headers: headers)
        head.framing = body.isEmpty ? .none : .length(body.count)
        return HTTPRequest(head: head, body: RequestBody(bytes: body))
    }
}
