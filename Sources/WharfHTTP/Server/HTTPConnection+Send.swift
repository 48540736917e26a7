import Synchronization
import WharfIO
import WharfWire

/// Writing responses: fixed bodies in one write with the head, streamed bodies from a producer
/// task, and the answers to requests that could not be parsed.
extension HTTPConnection {
    private typealias Producer = @Sendable (any ResponseBodyWriter) async throws -> Void

    /// A streamed body: its declared length, the probe for a half-closed client, the producer.
    private struct Stream {
        let length: Int?
        let probe: [UInt8]?
        let produce: Producer
    }

    /// What ``send(_:for:context:keepAlive:sinkEnded:)`` did.
    struct Sent {
        let status: Int
        let bytes: Int
        /// The message was complete (false: the connection must close).
        let complete: Bool
        /// An ``EventSink`` stream went live: the connection is the sink's until `sinkEnded` runs.
        var detached = false
    }

    /// Sends `response`; returns the status sent, the body bytes, and whether the message was
    /// complete. An ``ResponseBody/sink(heartbeat:pendingLimit:attach:)`` stream returns once it
    /// is live; `sinkEnded` runs when it is over.
    func send(
        _ response: HTTPResponse, for head: HTTPRequestHead, context: RequestContext, keepAlive: Bool,
        sinkEnded: @escaping @Sendable (_ bytes: Int, _ complete: Bool) -> Void = { _, _ in }
    ) async -> Sent {
        var response = response
        var keepAlive = keepAlive
        var headers = response.headers
        let omitBody = head.method == .head || response.status.forbidsBody
        if response.status.forbidsBody { response.body = .empty }

        var stream: Stream?
        var sink: (heartbeat: Duration, pendingLimit: Int, attach: @Sendable (EventSink) async throws -> Void)?
        var fixed: [UInt8] = []
        switch response.body {
        case .empty, .upgrade:
            if !response.status.forbidsBody { headers.set("Content-Length", "0") }
        case .bytes(let bytes):
            headers.set("Content-Length", String(bytes.count))
            fixed = bytes
        case .stream(let length, let produce):
            stream = Stream(length: length, probe: nil, produce: produce)
            setStreamFraming(length: length, for: head, headers: &headers, keepAlive: &keepAlive)
        case .probedStream(let probe, let produce):
            stream = Stream(length: nil, probe: probe, produce: produce)
            setStreamFraming(length: nil, for: head, headers: &headers, keepAlive: &keepAlive)
        case .sink(let heartbeat, let pendingLimit, let attach):
            sink = (heartbeat, pendingLimit, attach)
            setStreamFraming(length: nil, for: head, headers: &headers, keepAlive: &keepAlive)
        }
        headers.setIfAbsent("Date", HTTPDate.now)
        headers.setIfAbsent("Server", server.configuration.serverName)
        headers.set("X-Request-Id", context.requestID)
        if !keepAlive {
            headers.set("Connection", "close")
        } else if head.minorVersion == 0 {
            headers.set("Connection", "keep-alive")
        }

        var out: [UInt8] = []
        out.reserveCapacity(256 + (omitBody ? 0 : fixed.count))
        do {
            try ResponseHead.write(status: response.status, headers: headers, into: &out)
        } catch {
            server.configuration.errorLog("request \(context.requestID): \(error)")
            let failure = HTTPResponse.text("Internal server error (request \(context.requestID)).\n", status: .internalServerError)
            return await send(failure, for: head, context: context, keepAlive: false)
        }
        if !omitBody { out.append(contentsOf: fixed) }
        do {
            try await io.write(out, deadline: .after(seconds: limits.writeTimeout))
        } catch {
            return Sent(status: response.status.code, bytes: 0, complete: false)
        }
        if let sink, !omitBody {
            let status = response.status.code
            let reusable = keepAlive
            await attachSink(
                heartbeat: sink.heartbeat, pendingLimit: sink.pendingLimit, chunked: head.minorVersion >= 1, attach: sink.attach,
                context: context, ended: { bytes, complete in sinkEnded(bytes, complete && reusable) })
            return Sent(status: status, bytes: 0, complete: false, detached: true)
        }
        guard let stream, !omitBody else {
            return Sent(status: response.status.code, bytes: omitBody ? 0 : fixed.count, complete: keepAlive)
        }
        // HTTP/1.0 gets the probe's bytes as part of a body delimited by close: still harmless.
        let (written, complete) = await produce(stream, chunked: stream.length == nil && head.minorVersion >= 1, context: context)
        return Sent(status: response.status.code, bytes: written, complete: complete && keepAlive)
    }

    /// `Content-Length` when the stream's length is known, else chunked; HTTP/1.0 has no chunked
    /// coding, so there the body ends when the connection does.
    private func setStreamFraming(length: Int?, for head: HTTPRequestHead, headers: inout HTTPHeaders, keepAlive: inout Bool) {
        if let length {
            headers.set("Content-Length", String(length))
        } else if head.minorVersion >= 1 {
            headers.set("Transfer-Encoding", "chunked")
        } else {
            keepAlive = false
        }
    }

    /// Runs a streamed body's producer in its own task, cancelled when the client goes or the
    /// server shuts down; ends the body cleanly when it can.
    ///
    /// A client's FIN cancels the producer, unless the stream has a probe: then the probe is
    /// written, and only a failure (the reset a closed peer answers it with) cancels.
    private func produce(_ stream: Stream, chunked: Bool, context: RequestContext) async -> (written: Int, complete: Bool) {
        let writer = StreamingBodyWriter(
            io: io, chunked: chunked, declaredLength: stream.length, writeTimeout: limits.writeTimeout)
        let producer = stream.produce
        let loop = io.loop
        let task = Task(executorPreference: loop) { try await producer(writer) }
        canceller.withLock { $0 = .stream({ task.cancel() }) }
        if let probe = stream.probe {
            server.eventStreamStarted()
            io.onHangUp(readEnd: true) { [io] in
                io.onHangUp(readEnd: false) { task.cancel() }
                Task(executorPreference: loop) { await writer.probe(probe) }
            }
        } else {
            io.onHangUp(readEnd: true) { task.cancel() }
        }
        let result = await task.result
        if stream.probe != nil { server.eventStreamEnded() }
        io.onHangUp(readEnd: true, nil)
        canceller.withLock { $0 = nil }

        switch result {
        case .success:
            if let length = stream.length, writer.written != length {
                writer.end()
                return (writer.written, false)
            }
            do {
                try await writer.finish()
                return (writer.written, true)
            } catch {
                return (writer.written, false)
            }
        case .failure(let error):
            if error is CancellationError || task.isCancelled {
                // Shutdown or a client that left: end the chunked body properly if the socket still works.
                if server.isDraining, !io.hasHungUp { try? await writer.finish() }
            } else if !(error is SystemError) && !(error is IOError) {
                server.configuration.errorLog("request \(context.requestID): stream failed: \(error)")
            }
            writer.end()
            return (writer.written, false)
        }
    }

    /// Answers a request that could not be parsed or accepted, then closes gracefully.
    func answer(_ error: HTTPParseError, head: HTTPRequestHead?, context: RequestContext?) async {
        if error == .truncatedBody {
            close()
            return
        }
        let started = Deadline.now
        let requestID = context?.requestID ?? server.requestIDs.next()
        let body = Array((error.description + "\n").utf8)
        var headers: HTTPHeaders = [
            "Content-Type": "text/plain; charset=utf-8",
            "Content-Length": String(body.count),
            "X-Content-Type-Options": "nosniff",
            "Date": HTTPDate.now,
            "Server": server.configuration.serverName,
            "X-Request-Id": requestID,
            "Connection": "close",
        ]
        if error.status == .serviceUnavailable { headers.add("Retry-After", "1") }
        var out: [UInt8] = []
        try? ResponseHead.write(status: error.status, headers: headers, into: &out)
        out.append(contentsOf: body)
        try? await io.write(out, deadline: .after(seconds: 2))
        log(method: head?.method.rawValue ?? "-", path: head?.path ?? "-", status: error.status.code, bytes: body.count,
            started: started, requestID: requestID, headers: head?.headers)
        await closeGracefully()
    }

    /// Closes so the client reads everything sent instead of a reset: the write side is shut
    /// first and unread input is discarded for a moment (up to 1 s and 256 KiB), since closing a
    /// socket with unread input sends a reset, which can destroy what the client has not read yet.
    func closeGracefully() async {
        await io.shutdownWrite()
        let linger = Deadline.after(seconds: 1)
        var discarded = 0
        buffer.release()
        while discarded < 256 * 1024, !linger.hasPassed {
            guard let count = try? await io.read(into: buffer, chunk: 16 * 1024, deadline: linger), count > 0 else { break }
            discarded += count
            buffer.release()
        }
        close()
    }
}
