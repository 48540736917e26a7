package import WharfWire

/// Writes the bytes of a streamed response body. Each `write` goes to the socket before it
/// returns (waiting while the client is slow: backpressure), so an event written is an event sent.
package protocol ResponseBodyWriter: Sendable {
    func write(_ bytes: [UInt8]) async throws
}

/// A response body: nothing, bytes, a stream produced while it is sent, or a switch to another
/// protocol.
package enum ResponseBody: Sendable {
    case empty
    case bytes([UInt8])
    /// A body written by `produce`. With a `length` it is sent with `Content-Length`; without, with
    /// chunked encoding. When the client goes away (or only half-closes: no byte of an arbitrary
    /// body can tell the two apart), the task running `produce` is cancelled.
    case stream(length: Int?, produce: @Sendable (any ResponseBodyWriter) async throws -> Void)
    /// A chunked body whose format has harmless filler, `probe` (an SSE comment line): when the
    /// client half-closes (FIN), the server writes the probe instead of cancelling. A client that
    /// only stopped sending keeps its stream; one that is gone answers the probe with a reset, and
    /// `produce` is cancelled a round trip later. Each `write` of `produce` must end where the
    /// probe may go (a whole event). ``HTTPResponse/eventStream(heartbeat:headers:_:)`` uses this.
    case probedStream(probe: [UInt8], produce: @Sendable (any ResponseBodyWriter) async throws -> Void)
    /// A chunked server-sent event stream that holds no task while it waits: `attach` writes
    /// the replay and subscribes the ``EventSink`` to its source, then returns; the source sends
    /// to it from then on. The server sends a heartbeat comment every `heartbeat` and answers a
    /// client's FIN with the probe, as for ``probedStream(probe:produce:)``. See
    /// ``HTTPResponse/eventSink(heartbeat:headers:pendingLimit:_:)``.
    case sink(heartbeat: Duration, pendingLimit: Int, attach: @Sendable (EventSink) async throws -> Void)
    /// Switches protocols: after the `101` head the connection is `handler`'s, as a raw duplex
    /// stream. See ``HTTPResponse/switchingProtocols(headers:_:)``.
    case upgrade(@Sendable (UpgradedConnection) async throws -> Void)

    /// Whether this is ``upgrade(_:)`` (a test that copies nothing, for every response's path).
    var isUpgrade: Bool {
        if case .upgrade = self { true } else { false }
    }

    /// Whether this is ``sink(heartbeat:pendingLimit:attach:)``.
    var isSink: Bool {
        if case .sink = self { true } else { false }
    }

    /// Whether the body is produced while it is sent by a task.
    var isStream: Bool {
        switch self {
        case .stream, .probedStream: true
        case .empty, .bytes, .upgrade, .sink: false
        }
    }
}

/// A response: status, header fields and body.
package struct HTTPResponse: Sendable {
    package var status: HTTPStatus
    package var headers: HTTPHeaders
    package var body: ResponseBody

    package init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: ResponseBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response.
    package static func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: .bytes(Array(text.utf8)))
    }

    /// A `text/html; charset=utf-8` response.
    package static func html(_ bytes: [UInt8], status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/html; charset=utf-8"], body: .bytes(bytes))
    }

    /// An `application/json` response from already encoded bytes.
    package static func json(_ bytes: [UInt8], status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: .bytes(bytes))
    }

    /// A redirect; `303 See Other` by default (the right answer to a form POST).
    package static func redirect(to location: String, status: HTTPStatus = .seeOther) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Location": location])
    }

    /// The body bytes when they are fixed (tests use this).
    package var bodyBytes: [UInt8]? {
        switch body {
        case .empty: []
        case .bytes(let bytes): bytes
        case .stream, .probedStream, .sink, .upgrade: nil
        }
    }
}

/// An error a handler throws to answer with a given status and a message safe to show the client.
package struct HTTPError: Error, Sendable, CustomStringConvertible {
    package var status: HTTPStatus
    package var message: String
    package var headers: HTTPHeaders

    package init(_ status: HTTPStatus, _ message: String? = nil, headers: HTTPHeaders = [:]) {
        self.status = status
        self.message = message ?? status.reason
        self.headers = headers
    }

    package var description: String { "\(status.code) \(message)" }
}
