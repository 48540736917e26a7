import Glibc
import Synchronization
import WharfIO
import WharfWire

/// One client connection: reads requests, answers them in order, keeps alive or closes, or
/// switches protocols and hands the connection to a handler.
///
/// Between requests the connection is parked (see ``HTTPServer``). While a task serves it, only
/// that task touches the buffer and parser; the idle-list fields are guarded by the loop's
/// ``LoopConnections`` lock; the canceller by its own mutex. That is why
/// `@unchecked Sendable`. All socket I/O goes through ``ConnectionIO``.
final class HTTPConnection: @unchecked Sendable {
    let io: any ConnectionIO
    let peer: SocketAddress
    /// What the connection is counted under for ``HTTPLimits/maxConnectionsPerAddress``.
    let addressKey: ClientAddressKey?
    let server: HTTPServer
    let connections: LoopConnections
    let buffer = ByteBuffer()
    private var parser: HTTPHeadParser
    private var served = 0
    private let closed = Atomic<Bool>(false)
    /// Cancels the task producing a streamed response (at shutdown), or an upgraded stream's
    /// handler (once shutdown's grace period is over).
    let canceller = Mutex<Canceller?>(nil)

    enum Canceller {
        case stream(@Sendable () -> Void)
        case upgrade(@Sendable () -> Void)
    }

    // Idle list, guarded by `connections`.
    var idlePrevious: HTTPConnection?
    var idleNext: HTTPConnection?
    var idleSince = Deadline(nanoseconds: 0)
    var isIdle = false

    var limits: HTTPLimits { server.configuration.limits }

    init(io: any ConnectionIO, peer: SocketAddress, addressKey: ClientAddressKey?, server: HTTPServer, connections: LoopConnections) {
        self.io = io
        self.peer = peer
        self.addressKey = addressKey
        self.server = server
        self.connections = connections
        parser = HTTPHeadParser(limits: server.configuration.limits)
    }

    // MARK: Parking

    /// Parks the connection until its next readable edge. Returns false when data is already
    /// there (nothing parked); then the caller must serve it.
    @discardableResult
    func park() -> Bool {
        connections.becameIdle(self, at: .now)
        if io.park({ [self] in wake() }) { return true }
        connections.becameActive(self)
        startTask()
        return false
    }

    /// Called on the loop thread at the readable edge of a parked connection.
    private func wake() {
        connections.becameActive(self)
        startTask()
    }

    private func startTask() {
        Task(executorPreference: io.loop) { await self.serve() }
    }

    /// Closes the connection if it is still parked (idle timeout, shutdown).
    func closeIfParked() {
        if io.unpark() { close() }
    }

    /// Asks a streamed response in progress to end (shutdown). Upgraded streams go on until the
    /// grace period is over (``abort()``).
    func endStream() {
        if case .stream(let cancel) = canceller.withLock({ $0 }) { cancel() }
    }

    /// Forces the connection down after the grace period: its task sees the socket fail and closes it.
    func abort() {
        switch canceller.withLock({ $0 }) {
        case .stream(let cancel), .upgrade(let cancel): cancel()
        case nil: break
        }
        io.shutdownBoth()
    }

    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        io.close()
        buffer.release()
        server.connectionClosed(self)
    }

    // MARK: Serving

    private enum HeadResult {
        case head(HTTPRequestHead)
        case parked
        case closed
    }

    private func serve() async {
        while true {
            let head: HTTPRequestHead
            do {
                switch try await readHead() {
                case .head(let next): head = next
                case .parked, .closed: return
                }
            } catch let error as HTTPParseError {
                await answer(error, head: nil, context: nil)
                return
            } catch {
                close()  // a socket error or reset before a request: nobody to answer
                return
            }
            switch await respond(to: head) {
            case .next: continue
            case .close:
                close()
                return
            case .handedOver:
                return
            }
        }
    }

    /// What comes after a response.
    enum Next {
        /// Serve the next request on this task.
        case next
        case close
        /// A new task sends the (streamed) response and goes on serving the connection.
        case handedOver
    }

    /// Reads until a request head is complete; parks when the connection has nothing pending.
    private func readHead() async throws -> HeadResult {
        var deadline: Deadline?
        while true {
            if !buffer.isEmpty {
                if let (head, consumed) = try buffer.withReadableBytes({ bytes throws(HTTPParseError) in try parser.parse(bytes) }) {
                    buffer.moveReaderIndex(by: consumed)
                    parser.reset()
                    return .head(head)
                }
                if deadline == nil { deadline = .after(seconds: limits.headerTimeout) }
            }
            switch try io.receive(into: buffer, chunk: 4096) {
            case .done(0):
                close()
                return .closed
            case .done:
                continue
            case .wouldBlock:
                break
            }
            if buffer.isEmpty {
                if server.isDraining {
                    close()
                    return .closed
                }
                buffer.release()
                // Parked, or an edge already came and park() started a new task to serve it:
                // either way this task is done with the connection (two would read it at once).
                park()
                return .parked
            }
            do {
                try await io.waitReadable(deadline: deadline)
            } catch IOError.timedOut {
                throw HTTPParseError.headerTimeout
            }
        }
    }

    /// Answers one request; says whether the connection may serve another.
    private func respond(to head: HTTPRequestHead) async -> Next {
        served += 1
        let started = Deadline.now
        var context = RequestContext(
            requestID: server.requestIDs.next(), remoteAddress: peer, receivedAt: started,
            isSecure: server.configuration.isSecure)
        server.responder.route(head, into: &context)
        let limit = context.route?.maxBodyBytes ?? limits.defaultMaxBodyBytes
        if case .length(let length) = head.framing, length > limit {
            // Decided from Content-Length, before reading any of the body.
            await answer(.bodyTooLarge(limit: limit), head: head, context: context)
            return .close
        }

        let body = ConnectionBody(
            io: io, buffer: buffer, framing: head.framing, limit: limit, limits: limits,
            expectsContinue: head.expectsContinue)
        let request = HTTPRequest(head: head, body: RequestBody(source: head.framing == .none ? nil : body))
        var response: HTTPResponse
        do {
            response = try await server.responder.respond(to: request, context: context)
        } catch {
            response = fallback(for: error, context: context)
            // An error that escaped every middleware also escaped SecurityHeaders; the server's own
            // error answers always carry nosniff (see `answer`).
            response.headers.set("X-Content-Type-Options", "nosniff")
        }
        if response.body.isUpgrade {
            await switchProtocols(response, for: head, body: body, context: context, started: started)
            return .close
        }
        if response.body.isStream || response.body.isSink {
            // A stream may last hours. This task's allocator holds the frames of the middleware and
            // handler it ran (tens of KiB) until the task ends, so a fresh task, with only the
            // shallow frames of sending, carries the stream and then the connection. A sink's
            // stream holds no task at all once it is live.
            if body.isComplete, buffer.isEmpty { buffer.release() }
            let (response, context) = (response, context)
            let carry: @Sendable () async -> Void = {
                switch await self.finish(response, for: head, body: body, context: context, started: started) {
                case .next: await self.serve()
                case .close: self.close()
                case .handedOver: break
                }
            }
            // A sink's stream outlives its attach phase: its objects are made off the loop, in
            // another thread's malloc arena, so they are not scattered among the frames of the
            // requests the loop serves meanwhile (a thousand followers arriving at once would
            // otherwise pin a page of freed frames each).
            if response.body.isSink { Task { await carry() } } else { Task(executorPreference: io.loop) { await carry() } }
            return .handedOver
        }
        return await finish(response, for: head, body: body, context: context, started: started)
    }

    /// Sends the response, drains what is left of the request body, logs; says whether the
    /// connection may serve another request, or belongs to a live ``EventSink``, which parks or
    /// closes it when its stream is over.
    private func finish(
        _ response: HTTPResponse, for head: HTTPRequestHead, body: ConnectionBody, context: RequestContext, started: Deadline
    ) async -> Next {
        var keepAlive = head.keepAlive && !server.isDraining && served < limits.maxRequestsPerConnection
        if !body.isComplete {
            switch body.phase {
            case .failed, .detached: keepAlive = false
            case .reading, .finished: if body.continuePending { keepAlive = false }
            }
            // A sink's stream ends with no task to drain the rest of a body.
            if response.body.isSink { keepAlive = false }
        }
        let sent = await send(response, for: head, context: context, keepAlive: keepAlive, sinkEnded: sinkEnded(response, head, context, started))
        if sent.detached {
            body.detach()
            return .handedOver
        }
        if keepAlive, sent.complete, !body.isComplete {
            keepAlive = await body.drain(maxBytes: limits.maxDrainBytes)
        }
        body.detach()
        log(method: head.method.rawValue, path: head.path, status: sent.status, bytes: sent.bytes, started: started,
            requestID: context.requestID, headers: head.headers)
        return keepAlive && sent.complete ? .next : .close
    }

    /// What runs when a sink's stream is over: its access-log line (keeping only what it prints,
    /// not the request), then the connection parks for its next request or closes. Nothing is
    /// made for other responses.
    private func sinkEnded(
        _ response: HTTPResponse, _ head: HTTPRequestHead, _ context: RequestContext, _ started: Deadline
    ) -> @Sendable (_ bytes: Int, _ complete: Bool) -> Void {
        guard response.body.isSink else { return { _, _ in } }
        let (method, path, status, requestID) = (head.method.rawValue, head.path, response.status.code, context.requestID)
        let client = clientName(head.headers)
        return { [self] bytes, complete in
            log(method: method, path: path, status: status, bytes: bytes, started: started, requestID: requestID, client: client)
            if complete, !server.isDraining { park() } else { close() }
        }
    }

    /// The answer to an error that escaped every middleware.
    func fallback(for error: any Error, context: RequestContext) -> HTTPResponse {
        switch error {
        case let error as HTTPParseError:
            return .text(error.description + "\n", status: error.status)
        case let error as HTTPError:
            var response = HTTPResponse.text(error.message + "\n", status: error.status)
            for (name, value) in error.headers { response.headers.set(name, value) }
            return response
        case is CancellationError:
            return .text("The server is shutting down.\n", status: .serviceUnavailable)
        default:
            server.configuration.errorLog("request \(context.requestID): \(error)")
            return .text("Internal server error (request \(context.requestID)).\n", status: .internalServerError)
        }
    }

    func log(
        method: String, path: String, status: Int, bytes: Int, started: Deadline, requestID: String, headers: HTTPHeaders?
    ) {
        log(method: method, path: path, status: status, bytes: bytes, started: started, requestID: requestID, client: clientName(headers))
    }

    /// The client as the access log names it (a trusted proxy's forwarded address, else the peer).
    func clientName(_ headers: HTTPHeaders?) -> String? {
        guard server.configuration.accessLog != nil else { return nil }
        return headers.flatMap { server.configuration.clientAddress?(peer, $0) } ?? peer.host
    }

    func log(method: String, path: String, status: Int, bytes: Int, started: Deadline, requestID: String, client: String?) {
        guard let accessLog = server.configuration.accessLog else { return }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &now)
        accessLog.record(AccessLogEntry(
            time: now.tv_sec, client: client ?? peer.host, method: method, path: path, status: status, bytes: bytes,
            durationMicroseconds: (Deadline.now.nanoseconds &- started.nanoseconds) / 1000, requestID: requestID))
    }
}
