import Synchronization
import WharfIO
import WharfWire

/// Switching protocols (`101`): the connection leaves the request/response cycle and becomes a
/// raw duplex stream owned by the handler (``HTTPResponse/switchingProtocols(headers:_:)``).
extension HTTPConnection {
    /// Writes the `101` head by itself, then runs `handler` with the connection until it returns;
    /// the caller closes the connection afterwards.
    func switchProtocols(
        _ response: HTTPResponse, for head: HTTPRequestHead, body: ConnectionBody, context: RequestContext, started: Deadline
    ) async {
        guard case .upgrade(let handler) = response.body else { return }
        let request = HTTPRequest(head: head)
        if let refusal = refusal(of: response, to: request) {
            server.configuration.errorLog("request \(context.requestID): cannot switch protocols: \(refusal)")
            let failure = HTTPResponse.text("Internal server error (request \(context.requestID)).\n", status: .internalServerError)
            let sent = await send(failure, for: head, context: context, keepAlive: false)
            let (status, bytes) = (sent.status, sent.bytes)
            log(method: head.method.rawValue, path: head.path, status: status, bytes: bytes, started: started, requestID: context.requestID, headers: head.headers)
            return
        }
        // The stream begins where the request ends: a body the handler left unread is read first.
        if !body.isComplete, await !body.drain(maxBytes: limits.maxDrainBytes) {
            body.detach()
            await answer(.malformed("the request body did not end before the protocol switch"), head: head, context: context)
            return
        }
        body.detach()

        var headers = response.headers
        headers.remove("Content-Length")
        headers.remove("Transfer-Encoding")
        headers.set("Connection", "Upgrade")
        if !headers.contains("Upgrade"), let asked = head.headers["Upgrade"] { headers.set("Upgrade", asked) }
        headers.setIfAbsent("Date", HTTPDate.now)
        headers.setIfAbsent("Server", server.configuration.serverName)
        headers.set("X-Request-Id", context.requestID)
        var out: [UInt8] = []
        do {
            try ResponseHead.write(status: response.status, headers: headers, into: &out)
            // Alone, and taken by the kernel before any stream byte (TCP_NODELAY sends it at once).
            try await io.write(out, deadline: .after(seconds: limits.writeTimeout))
        } catch let error as HTTPHeadEncoder.InvalidField {
            server.configuration.errorLog("request \(context.requestID): \(error)")
            close()
            return
        } catch {
            close()
            return
        }
        log(method: head.method.rawValue, path: head.path, status: response.status.code, bytes: 0, started: started,
            requestID: context.requestID, headers: head.headers)

        server.upgradeStarted()
        defer { server.upgradeEnded() }
        let stream = UpgradedConnection(io: io, buffer: buffer, peer: peer)
        let task = Task(executorPreference: io.loop) { try await handler(stream) }
        canceller.withLock { $0 = .upgrade({ task.cancel() }) }
        let result = await task.result
        canceller.withLock { $0 = nil }
        if case .failure(let error) = result, !(error is CancellationError), !(error is SystemError), !(error is IOError) {
            server.configuration.errorLog("request \(context.requestID): upgraded stream failed: \(error)")
        }
        await closeGracefully()
    }

    /// Why the server will not switch: the answer or the request does not allow it.
    private func refusal(of response: HTTPResponse, to request: HTTPRequest) -> String? {
        if response.status.code != 101 { return "an upgrade answer must have status 101, not \(response.status.code)" }
        if request.upgradeProtocols.isEmpty {
            return "the request did not ask to switch (it needs HTTP/1.1, Connection: upgrade and Upgrade)"
        }
        return nil
    }
}
