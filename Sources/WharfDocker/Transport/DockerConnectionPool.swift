import Synchronization
package import WharfIO

/// Keep-alive connections to one engine, so a warm request pays no connect or TLS handshake.
///
/// Idle connections sit in a LIFO list (the most recently used is the most likely to be alive).
/// A connection is reused only when the event loop has not seen its peer close, it holds no stray
/// bytes, and it has been idle less than `timeouts.poolIdle`; the rest are closed on the way.
/// Idle connections hold no buffers. At most `maxIdle` are kept.
package final class DockerConnectionPool: Sendable {
    package let transport: any DockerTransport
    package let timeouts: DockerTimeouts
    package let maxIdle: Int
    private let group: EventLoopGroup
    private let idle = Mutex<[DockerConnection]>([])
    private let opened = Atomic<Int>(0)

    package init(transport: any DockerTransport, group: EventLoopGroup, timeouts: DockerTimeouts, maxIdle: Int = 4) {
        self.transport = transport
        self.group = group
        self.timeouts = timeouts
        self.maxIdle = max(0, maxIdle)
    }

    /// How many connections this pool has opened in total (for tests and metrics).
    package var openedCount: Int { opened.load(ordering: .relaxed) }
    /// How many connections are idle now.
    package var idleCount: Int { idle.withLock { $0.count } }

    /// A live idle connection (`reused` true) or a new one.
    func checkout() async throws -> (connection: DockerConnection, reused: Bool) {
        let now = Deadline.now
        var stale: [DockerConnection] = []
        let found = idle.withLock { list -> DockerConnection? in
            while let candidate = list.popLast() {
                let age = Double(now.nanoseconds &- candidate.idleSince.nanoseconds) / 1e9
                if candidate.stream.isPeerClosed || age >= timeouts.poolIdle {
                    stale.append(candidate)
                    continue
                }
                return candidate
            }
            return nil
        }
        for connection in stale { connection.close() }
        if let found { return (found, true) }
        let stream = try await transport.connect(on: group.next(), timeouts: timeouts)
        opened.add(1, ordering: .relaxed)
        return (DockerConnection(stream: stream), false)
    }

    /// Takes back a connection whose response was read to its end; closes it instead when it
    /// cannot be reused or the pool is full.
    func checkin(_ connection: DockerConnection) {
        guard connection.buffer.isEmpty, !connection.stream.isPeerClosed else {
            connection.close()
            return
        }
        connection.buffer.release()
        connection.completed += 1
        connection.idleSince = .now
        let overflow = idle.withLock { list -> DockerConnection? in
            list.append(connection)
            return list.count > maxIdle ? list.removeFirst() : nil
        }
        overflow?.close()
    }

    /// Closes every idle connection (connections in use close when their responses end).
    package func closeIdle() {
        let list = idle.withLock { list in
            defer { list = [] }
            return list
        }
        for connection in list { connection.close() }
    }
}
