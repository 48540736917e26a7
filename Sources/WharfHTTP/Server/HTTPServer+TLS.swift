import Synchronization
import WharfIO
import WharfTLS

/// HTTPS: the TLS handshake of an accepted connection, on its loop, before it is served.
extension HTTPServer {
    /// Runs the server's side of the handshake in a task on the connection's loop (non-blocking:
    /// `WANT_READ`/`WANT_WRITE` wait for readiness) with ``HTTPLimits/tlsHandshakeTimeout`` as
    /// its deadline, then parks the connection like a plain one. A failed handshake is one log
    /// line naming the client and what went wrong (plain HTTP on the port is answered `400` first,
    /// by ``TLSConnection/accept(over:context:deadline:)``), up to
    /// ``HTTPLimits/handshakeFailureLogBurst`` a window, then one line counts the rest; nothing waits on it but its own task,
    /// so a slow or broken client holds no loop.
    func handshake(
        _ socket: Socket, peer: SocketAddress, addressKey: ClientAddressKey?, connections: LoopConnections, context: TLSServerContext
    ) {
        let id = ObjectIdentifier(socket)
        handshaking.withLock { $0[id] = socket }
        let deadline = Deadline.after(seconds: configuration.limits.tlsHandshakeTimeout)
        Task(executorPreference: connections.loop) { [self] in
            let tls: TLSConnection
            do {
                tls = try await TLSConnection.accept(over: socket, context: context, deadline: deadline)
            } catch {
                handshaking.withLock { $0[id] = nil }
                if !isDraining, handshakeFailures.allow() { configuration.errorLog("TLS handshake with \(peer) failed: \(error)") }
                connectionEnded(addressKey: addressKey)
                return
            }
            handshaking.withLock { $0[id] = nil }
            if isDraining {
                tls.close()
                connectionEnded(addressKey: addressKey)
                return
            }
            let connection = HTTPConnection(
                io: TLSConnectionIO(tls), peer: peer, addressKey: addressKey, server: self, connections: connections)
            connection.park()
        }
    }
}
