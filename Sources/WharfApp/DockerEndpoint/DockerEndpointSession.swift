import WharfWire
import WharfIO
import WharfDocker
import WharfHTTP

/// Forwards a call that switches protocols — attach and exec start with `Upgrade: tcp` (`docker
/// run` without `-d`, `start -a`, `attach`, `exec`, docker-py's sockets), the attach websocket,
/// BuildKit's `/session` where an admin enabled it — and relays the raw stream both ways.
///
/// ```
/// client ── POST …/attach, Upgrade: tcp ──▶ Wharf ── the same call, Upgrade: tcp ──▶ engine
/// client ◀── 101 + the engine's fields ──── Wharf ◀── 101 UPGRADED, Content-Type ──── engine
/// client ── stdin ──────────────────────────────────────────────────────────────────▶ engine
///        ◀── stdout/stderr (raw, or multiplexed frames: Wharf does not look) ───────
/// ```
///
/// Each direction copies one read (at most 64 KiB) before the next, so the slower side sets the
/// pace and memory stays bounded; there is no idle limit (a shell may be quiet for hours).
/// Half-close passes both ways: the client's end of input (FIN; `echo x | docker run -i …`) shuts
/// the engine side's writing, so the process reads end of file while its output still flows; the
/// engine's end of output shuts the client side's writing. Once the output has ended the client
/// has ``inputGrace`` seconds to finish too (the CLI closes at once), then the session ends.
/// Audit: one row when the stream begins, one when it ends (duration, bytes each way, outcome).
final class DockerEndpointSession: Sendable {
    /// The engine's routes that hijack their connection after an upgrade.
    static let hijacking: Set<String> = [
        "/containers/{id}/attach", "/containers/{id}/attach/ws", "/exec/{id}/start", "/session", "/grpc",
    ]
    /// Seconds the client may go on sending after the engine finished its output.
    static let inputGrace: Double = 5
    /// Fields of the engine's `101` that belong to its own connection; the rest (`Content-Type`
    /// above all: newer clients pick raw or multiplexed framing from it) reach the client.
    static let responseFieldsDropped: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "content-length",
    ]

    let call: EndpointCall
    let hostName: String

    init(call: EndpointCall, hostName: String) {
        self.call = call
        self.hostName = hostName
    }

    /// A response dropped before its stream began (the client left before the `101` went out)
    /// still gets its row; a no-op when the session ran.
    deinit { call.finish(status: 101, outcome: .ok, error: "the client went away before the stream began") }

    /// Asks the engine to switch with the client's `Upgrade` value and, when it does, answers the
    /// client's `101` with the engine's fields and a handler that relays the stream.
    func forward(
        _ request: HTTPRequest, upgrade: String, route: EngineRoute, target: EngineTarget, body: [UInt8], client: DockerClient
    ) async throws -> HTTPResponse {
        let forwardedBody: DockerRequestBody =
            body.isEmpty ? .empty : .bytes(body, contentType: request.headers["Content-Type"] ?? "application/json")
        var forwarded = DockerRequest(
            request.method.rawValue, target.forwardPath, query: target.forwardQuery,
            headers: DockerEndpointForwarder.forwardedHeaders(request.headers, body: forwardedBody), body: forwardedBody)
        forwarded.isVersioned = false  // the client's own version (or none) is in the path
        forwarded.responseHeadTimeout = .unlimited
        let engine: DockerUpgradedStream
        do {
            engine = try await client.upgrade(forwarded, to: upgrade)
        } catch DockerError.api(let status, let message) {
            // No such container, not running…: the engine's words, as the CLI expects them.
            call.finish(status: status, outcome: .failed, error: message)
            throw HTTPError(HTTPStatus(code: status), message)
        } catch let error as DockerError {
            let status: HTTPStatus = if case .timedOut = error { .gatewayTimeout } else { .badGateway }
            call.finish(status: status.code, outcome: .failed, error: error.description)
            throw HTTPError(status, "Wharf could not complete \(route.call) on \(hostName): \(error.description)")
        }
        var headers = HTTPHeaders()
        for field in engine.headers where !Self.responseFieldsDropped.contains(field.name.lowercased()) {
            headers.add(field.name, field.value)
        }
        return .switchingProtocols(headers: headers) { [self] client in
            await self.relay(client, engine)
        }
    }

    private enum End: Sendable {
        case input(CopyFailure?), output(CopyFailure?), graceOver
    }

    /// Which side of a copy failed, and how.
    private struct CopyFailure: Error {
        let engineSide: Bool
        let underlying: any Error
    }

    /// Copies both ways until both directions ended, one side failed, or the input outlived the
    /// output by ``inputGrace``; then closes the engine's stream (the server closes the client's).
    private func relay(_ client: UpgradedConnection, _ engine: DockerUpgradedStream) async {
        call.opened(status: 101)
        let call = self.call
        let failure: CopyFailure? = await withTaskGroup(of: End.self) { group in
            group.addTask { .input(await Self.copy(from: client, to: engine, sourceIsEngine: false, count: call.received)) }
            group.addTask { .output(await Self.copy(from: engine, to: client, sourceIsEngine: true, count: call.sent)) }
            var inputDone = false
            var outputDone = false
            var failure: CopyFailure?
            while let end = await group.next() {
                if inputDone && outputDone { continue }  // what cancelling the rest returns
                switch end {
                case .input(nil):
                    inputDone = true
                case .output(nil):
                    outputDone = true
                    if !inputDone {
                        group.addTask {
                            try? await Task.sleep(for: .seconds(Self.inputGrace))
                            return .graceOver
                        }
                    }
                case .input(let error?):
                    // Stdin that cannot be delivered once the output ended is no failure.
                    if !outputDone { failure = error }
                    (inputDone, outputDone) = (true, true)
                case .output(let error?):
                    failure = error
                    (inputDone, outputDone) = (true, true)
                case .graceOver:
                    inputDone = true
                }
                if inputDone && outputDone { group.cancelAll() }
            }
            return failure
        }
        engine.close()
        switch failure {
        case nil:
            call.finish(status: 101, outcome: .ok)
        case let failure? where failure.underlying is CancellationError:
            call.finish(status: 101, outcome: .ok, error: "Wharf stopped the session (shutting down)")
        case let failure? where failure.engineSide:
            call.finish(status: 101, outcome: .failed, error: "the engine's stream broke: \(failure.underlying)")
        case .some:
            // A client that leaves (^C, a reset) ended the session, not the engine.
            call.finish(status: 101, outcome: .ok, error: "the client went away")
        }
    }

    /// One direction: each read written before the next, then the half-close passed on.
    private static func copy(
        from source: some DuplexStream, to destination: some DuplexStream, sourceIsEngine: Bool,
        count: @Sendable (Int) -> Void
    ) async -> CopyFailure? {
        while true {
            let bytes: [UInt8]?
            do {
                bytes = try await source.read(deadline: nil)
            } catch {
                return CopyFailure(engineSide: sourceIsEngine, underlying: error)
            }
            guard let bytes else { break }
            do {
                try await destination.write(bytes, deadline: nil)
            } catch {
                return CopyFailure(engineSide: !sourceIsEngine, underlying: error)
            }
            count(bytes.count)
        }
        // The peer has gone already when this fails; nothing is lost.
        try? await destination.shutdownWrite()
        return nil
    }
}
