import Glibc
import Synchronization
import WharfIO

/// One client connection: reads requests, answers them in order, keeps alive or closes.
///
/// Between requests the connection is parked (see ``HTTPServer``). While a task serves it, only
/// that task touches the buffer and parser; the idle-list fields are guarded by the loop's
/// ``LoopConnections`` lock; the stream hook by its own mutex. That is why `@unchecked Sendable`.
final class HTTPConnection: @unchecked Sendable {
    let socket: Socket
    let peer: SocketAddress
    let server: HTTPServer
    let connections: LoopConnections
    private let buffer = ByteBuffer()
    private var parser: HTTPHeadParser
    private var served = 0
    private let closed = Atomic<Bool>(false)
    /// Cancels the task producing a streamed response, for shutdown.
    private let streamCancel = Mutex<(@Sendable () -> Void)?>(nil)

    // Idle list, guarded by `connections`.
    var idlePrevious: HTTPConnection?
    var idleNext: HTTPConnection?
    var idleSince = Deadline(nanoseconds: 0)
    var isIdle = false

    private var limits: HTTPLimits { server.configuration.limits }

    init(socket: Socket, peer: SocketAddress, server: HTTPServer, connections: LoopConnections) {
        self.socket = socket
        self.peer = peer
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
        if socket.readiness.park({ [self] in wake() }) { return true }
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
        Task(executorPreference: socket.loop) { await self.serve() }
    }

    /// Closes the connection if it is still parked (idle timeout, shutdown).
    func closeIfParked() {
        if socket.readiness.unpark() { close() }
    }

    /// Asks a streamed response in progress to end (shutdown).
    func endStream() {
        streamCancel.withLock { $0 }?()
    }

    /// Forces the connection down after the grace period: its task sees the socket fail and closes it.
    func abort() {
        endStream()
        socket.shutdownBoth()
    }

    private func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        socket.close()
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
            guard await respond(to: head) else {
                close()
                return
            }
        }
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
            switch try socket.receive(into: buffer, chunk: 4096) {
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
                try await socket.readiness.wait(.read, deadline: deadline)
            } catch IOError.timedOut {
                throw HTTPParseError.headerTimeout
            }
        }
    }

    /// Answers one request; returns whether the connection may serve another.
    private func respond(to head: HTTPRequestHead) async -> Bool {
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
            return false
        }

        let body = ConnectionBody(
            socket: socket, buffer: buffer, framing: head.framing, limit: limit, limits: limits,
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

        var keepAlive = head.keepAlive && !server.isDraining && served < limits.maxRequestsPerConnection
        if !body.isComplete {
            switch body.phase {
            case .failed, .detached: keepAlive = false
            case .reading, .finished: if body.continuePending { keepAlive = false }
            }
        }
        let (status, bytes, sent) = await send(response, for: head, context: context, keepAlive: keepAlive)
        if keepAlive, sent, !body.isComplete {
            keepAlive = await body.drain(maxBytes: limits.maxDrainBytes)
        }
        body.detach()
        log(method: head.method.rawValue, path: head.path, status: status, bytes: bytes, started: started,
            requestID: context.requestID, headers: head.headers)
        return keepAlive && sent
    }

    /// The answer to an error that escaped every middleware.
    private func fallback(for error: any Error, context: RequestContext) -> HTTPResponse {
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

    // MARK: Writing

    /// Sends `response`; returns the status sent, the body bytes, and whether the message was
    /// complete (false: the connection must close).
    private func send(
        _ response: HTTPResponse, for head: HTTPRequestHead, context: RequestContext, keepAlive: Bool
    ) async -> (status: Int, bytes: Int, complete: Bool) {
        var response = response
        var keepAlive = keepAlive
        var headers = response.headers
        let omitBody = head.method == .head || response.status.forbidsBody
        if response.status.forbidsBody { response.body = .empty }

        var stream: (length: Int?, produce: @Sendable (any ResponseBodyWriter) async throws -> Void)?
        var fixed: [UInt8] = []
        switch response.body {
        case .empty:
            if !response.status.forbidsBody { headers.set("Content-Length", "0") }
        case .bytes(let bytes):
            headers.set("Content-Length", String(bytes.count))
            fixed = bytes
        case .stream(let length, let produce):
            stream = (length, produce)
            if let length {
                headers.set("Content-Length", String(length))
            } else if head.minorVersion >= 1 {
                headers.set("Transfer-Encoding", "chunked")
            } else {
                keepAlive = false  // HTTP/1.0 has no chunked coding: the body ends when the connection does.
            }
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
            try await socket.write(out, deadline: .after(seconds: limits.writeTimeout))
        } catch {
            return (response.status.code, 0, false)
        }
        guard let stream, !omitBody else {
            return (response.status.code, omitBody ? 0 : fixed.count, keepAlive)
        }
        let (written, complete) = await produce(stream, chunked: stream.length == nil && head.minorVersion >= 1, context: context)
        return (response.status.code, written, complete && keepAlive)
    }

    /// Runs a streamed body's producer in its own task, cancelled when the client hangs up or the
    /// server shuts down; ends the body cleanly when it can.
    private func produce(
        _ stream: (length: Int?, produce: @Sendable (any ResponseBodyWriter) async throws -> Void),
        chunked: Bool, context: RequestContext
    ) async -> (written: Int, complete: Bool) {
        let writer = StreamingBodyWriter(
            socket: socket, chunked: chunked, declaredLength: stream.length, writeTimeout: limits.writeTimeout)
        let producer = stream.produce
        let task = Task(executorPreference: socket.loop) { try await producer(writer) }
        streamCancel.withLock { $0 = { task.cancel() } }
        socket.readiness.onHangUp { task.cancel() }
        let result = await task.result
        socket.readiness.onHangUp(nil)
        streamCancel.withLock { $0 = nil }

        switch result {
        case .success:
            if let length = stream.length, writer.written != length { return (writer.written, false) }
            do {
                try await writer.finish()
                return (writer.written, true)
            } catch {
                return (writer.written, false)
            }
        case .failure(let error):
            if error is CancellationError || task.isCancelled {
                // Shutdown or a client that left: end the chunked body properly if the socket still works.
                if server.isDraining, !socket.readiness.hasHungUp { try? await writer.finish() }
            } else if !(error is SystemError) && !(error is IOError) {
                server.configuration.errorLog("request \(context.requestID): stream failed: \(error)")
            }
            return (writer.written, false)
        }
    }

    /// Answers a request that could not be parsed or accepted, then closes gracefully: the write
    /// side is shut first and unread input is discarded for a moment, so the client reads the
    /// answer instead of a reset.
    private func answer(_ error: HTTPParseError, head: HTTPRequestHead?, context: RequestContext?) async {
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
        try? await socket.write(out, deadline: .after(seconds: 2))
        log(method: head?.method.rawValue ?? "-", path: head?.path ?? "-", status: error.status.code, bytes: body.count,
            started: started, requestID: requestID, headers: head?.headers)
        socket.shutdownWrite()
        let linger = Deadline.after(seconds: 1)
        var discarded = 0
        buffer.release()
        while discarded < 256 * 1024, !linger.hasPassed {
            guard let count = try? await socket.read(into: buffer, deadline: linger), count > 0 else { break }
            discarded += count
            buffer.release()
        }
        close()
    }

    private func log(
        method: String, path: String, status: Int, bytes: Int, started: Deadline, requestID: String, headers: HTTPHeaders?
    ) {
        guard let accessLog = server.configuration.accessLog else { return }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &now)
        accessLog.record(AccessLogEntry(
            time: now.tv_sec, client: headers.flatMap { server.configuration.clientAddress?(peer, $0) } ?? peer.host, method: method, path: path, status: status, bytes: bytes,
            durationMicroseconds: (Deadline.now.nanoseconds &- started.nanoseconds) / 1000, requestID: requestID))
    }
}
