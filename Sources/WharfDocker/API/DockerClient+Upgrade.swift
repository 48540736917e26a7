/// Connection upgrades (`Connection: Upgrade`, `Upgrade: tcp`), for attach and exec.
extension DockerClient {
    /// Sends `request` asking the engine to switch to a raw stream and returns that stream.
    /// The engine answers `101 UPGRADED` (or, from old habit, `200` with the stream after the head).
    /// - Parameter upgrade: the `Upgrade` field's value: `tcp` for attach and exec; a pass-through
    ///   forwards what its client asked (`h2c` for BuildKit's `/session`, `websocket`).
    /// - Throws: ``DockerError/api(status:message:)`` when it refuses.
    package func upgrade(_ request: DockerRequest, to upgrade: String = "tcp") async throws -> DockerUpgradedStream {
        let version = request.isVersioned ? try await apiVersion() : nil
        let (head, connection, _) = try await exchange(
            request, version: version, extraHeaders: [("Connection", "Upgrade"), ("Upgrade", upgrade)])
        if head.status == 101 || head.status == 200 {
            return DockerUpgradedStream(head: head, connection: connection)
        }
        let framing = (try? head.framing(requestMethod: request.method)) ?? .untilClose
        let reader = ResponseBodyReader(
            connection: connection, framing: framing, pool: nil, reusable: false, idleTimeout: timeouts.bodyIdle,
            address: address)
        throw try await apiError(DockerResponse(head: head, body: DockerResponseBody(reader: reader)))
    }
}
