package import WharfWire

/// One server-sent event (WHATWG HTML §9.2, "Server-sent events").
package struct ServerSentEvent: Sendable, Equatable {
    /// `id:` — the client sends it back as `Last-Event-ID` when it reconnects.
    package var id: String?
    /// `event:` — the event type; `message` when nil.
    package var event: String?
    /// The payload; each line becomes one `data:` line.
    package var data: String
    /// `retry:` — the reconnection delay in milliseconds the client should use.
    package var retry: Int?

    package init(id: String? = nil, event: String? = nil, data: String, retry: Int? = nil) {
        self.id = id
        self.event = event
        self.data = data
        self.retry = retry
    }

    /// The wire form, ending with the blank line that dispatches the event.
    ///
    /// Line breaks (CRLF, CR or LF) in `data` split it into `data:` lines; in `id` and `event` they
    /// would start a new field, so they are removed there, as is NUL from `id` (the spec ignores
    /// such ids).
    package var encoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.utf8.count + 32)
        if let id {
            out += Array("id: ".utf8) + Array(id.utf8.filter { $0 != 0x0A && $0 != 0x0D && $0 != 0 }) + [0x0A]
        }
        if let event {
            out += Array("event: ".utf8) + Array(event.utf8.filter { $0 != 0x0A && $0 != 0x0D }) + [0x0A]
        }
        if let retry, retry >= 0 {
            out += Array("retry: \(retry)\n".utf8)
        }
        for line in ServerSentEvent.lines(data) {
            out += Array("data: ".utf8) + line + [0x0A]
        }
        out.append(0x0A)
        return out
    }

    /// Splits on CRLF, CR or LF, keeping empty lines (an empty payload is one empty `data:` line).
    static func lines(_ text: String) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var previousWasCR = false
        for byte in text.utf8 {
            if byte == 0x0A && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = byte == 0x0D
            if byte == 0x0A || byte == 0x0D {
                lines.append(current)
                current = []
            } else {
                current.append(byte)
            }
        }
        lines.append(current)
        return lines
    }
}

/// What an event-stream handler writes to. Sends from several tasks are serialized.
package struct EventStreamWriter: Sendable {
    let writer: any ResponseBodyWriter
    let mutex: AsyncMutex

    /// Sends one event and returns once the kernel took it (flushed at once, never batched).
    package func send(_ event: ServerSentEvent) async throws {
        let bytes = event.encoded
        try await mutex.withLock { try await writer.write(bytes) }
    }

    /// Sends several events in one write (a replay of stored events), returning once the kernel
    /// took them all.
    package func send(_ events: [ServerSentEvent]) async throws {
        guard !events.isEmpty else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(events.reduce(0) { $0 + $1.data.utf8.count + 40 })
        for event in events { bytes += event.encoded }
        let payload = bytes
        try await mutex.withLock { try await writer.write(payload) }
    }

    /// Sends a comment line (`: text`), which clients ignore: used for heartbeats.
    package func comment(_ text: String) async throws {
        let bytes = Array(": \(text.filter { $0 != "\n" && $0 != "\r" })\n\n".utf8)
        try await mutex.withLock { try await writer.write(bytes) }
    }
}

extension HTTPResponse {
    /// The headers of a `text/event-stream` response, for streams that write their own events
    /// (one sender for many clients) instead of using ``eventStream(heartbeat:headers:_:)``.
    package static let eventStreamHeaders: HTTPHeaders = [
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache",
        "X-Accel-Buffering": "no",  // nginx in front must not buffer the stream
    ]

    /// A `text/event-stream` response. `produce` sends events until it returns; a comment
    /// heartbeat goes out every `heartbeat` so proxies and browsers keep the stream open and a
    /// vanished client is noticed. When the client leaves, `produce` is cancelled.
    ///
    /// A client's FIN is answered with an empty comment line (the stream's probe, see
    /// ``ResponseBody/probedStream(probe:produce:)``): a client that only half-closed keeps its
    /// events, one that is gone resets the connection and `produce` is cancelled a round trip
    /// later, without waiting for the next heartbeat.
    package static func eventStream(
        heartbeat: Duration = .seconds(15), headers: HTTPHeaders = [:],
        _ produce: @escaping @Sendable (EventStreamWriter) async throws -> Void
    ) -> HTTPResponse {
        var allHeaders = headers
        for (name, value) in eventStreamHeaders { allHeaders.set(name, value) }
        return HTTPResponse(status: .ok, headers: allHeaders, body: .probedStream(probe: Array(":\n".utf8)) { writer in
            let stream = EventStreamWriter(writer: writer, mutex: AsyncMutex())
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while true {
                        try await Task.sleep(for: heartbeat)
                        try await stream.comment("heartbeat")
                    }
                }
                defer { group.cancelAll() }
                try await produce(stream)
            }
        })
    }

    /// A `text/event-stream` response for one follower among many, holding no task while it
    /// waits (``EventSink``): `attach` writes what the client missed with
    /// ``EventSink/write(_:)``, subscribes the sink to its source (which then calls
    /// ``EventSink/send(_:)`` and, at the end, ``EventSink/finish()``), and returns. A comment
    /// heartbeat goes out every `heartbeat`; a client that leaves closes the sink
    /// (``EventSink/onClose(_:)``), as does one more than `pendingLimit` bytes behind.
    package static func eventSink(
        heartbeat: Duration = .seconds(15), headers: HTTPHeaders = [:], pendingLimit: Int = EventSink.defaultPendingLimit,
        _ attach: @escaping @Sendable (EventSink) async throws -> Void
    ) -> HTTPResponse {
        var allHeaders = headers
        for (name, value) in eventStreamHeaders { allHeaders.set(name, value) }
        return HTTPResponse(status: .ok, headers: allHeaders, body: .sink(heartbeat: heartbeat, pendingLimit: pendingLimit, attach: attach))
    }
}
