package import WharfWire

extension HTTPResponse {
    /// `101 Switching Protocols`: after this head the connection is `handler`'s as a raw duplex
    /// byte stream (RFC 9110 §7.8, §15.2.2), as Docker's attach and exec (`Upgrade: tcp`) and
    /// BuildKit's sessions (`Upgrade: h2c`) use it.
    ///
    /// The server writes the head by itself and waits until the kernel took it before `handler`
    /// runs, so no stream byte shares a segment with it (docker-py reads the head through a
    /// buffered reader and would lose them). `Connection: Upgrade` is added; `Upgrade` is copied
    /// from the request unless `headers` names one. The request must be HTTP/1.1 and carry
    /// `Connection: upgrade` and `Upgrade` (``HTTPRequest/upgradeProtocols``): the server refuses
    /// to switch otherwise (500, logged: the handler should have checked). A request body is read
    /// to its end first (up to ``HTTPLimits/maxDrainBytes`` when the handler left it unread).
    ///
    /// The stream starts with whatever the client sent right after the request. It leaves the
    /// keep-alive machinery: no idle or request limits apply, and the connection closes when
    /// `handler` returns. A client's FIN ends its input only (``UpgradedConnection/read(deadline:)``
    /// returns nil) and the other direction stays open. At shutdown, upgraded streams get the
    /// grace period like requests in flight, then both directions are shut and `handler` is
    /// cancelled.
    ///
    /// ```swift
    /// routes.add(.post, "/attach", permission: .operate) { request, _ in
    ///     guard request.upgradeProtocols.contains("tcp") else { throw HTTPError(.badRequest) }
    ///     return .switchingProtocols(headers: ["Content-Type": "application/vnd.docker.raw-stream", "Upgrade": "tcp"]) { client in
    ///         while let bytes = try await client.read() { try await client.write(bytes) }  // echo
    ///         await client.shutdownWrite()  // the client reads end of stream
    ///     }
    /// }
    /// ```
    package static func switchingProtocols(
        headers: HTTPHeaders = [:], _ handler: @escaping @Sendable (UpgradedConnection) async throws -> Void
    ) -> HTTPResponse {
        HTTPResponse(status: .switchingProtocols, headers: headers, body: .upgrade(handler))
    }
}

extension HTTPRequest {
    /// The protocols the client asks to switch to (`Upgrade: tcp` → `["tcp"]`, lowercased), or
    /// none when the request cannot switch: HTTP/1.0 (RFC 9110 §7.8 says to ignore `Upgrade`
    /// there), or `Connection` not naming `upgrade`.
    package var upgradeProtocols: [String] {
        guard head.minorVersion >= 1, head.headers.hasToken("upgrade", in: "Connection") else { return [] }
        return head.headers.tokens("Upgrade")
    }
}
