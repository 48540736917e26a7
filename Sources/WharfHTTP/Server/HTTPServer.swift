import Glibc
import Synchronization
package import WharfIO
import WharfTLS

/// An HTTP/1.1 server on non-blocking sockets and the ``EventLoop``s of an ``EventLoopGroup``.
///
/// Each loop owns a listener per address (`SO_REUSEPORT`, the kernel spreads connections) and
/// the connections it accepted. A connection with nothing to do is *parked*: it holds no task and
/// no buffer, only its socket and a place in the idle list, so ten thousand idle keep-alive
/// connections cost little memory. The next readable edge starts a task, preferring the loop as
/// its executor, that reads, parses, routes, answers and writes on the loop's own thread.
package final class HTTPServer: Sendable {
    package let configuration: HTTPServerConfiguration
    let responder: HTTPResponder
    let group: EventLoopGroup
    let requestIDs = RequestIDs()
    private let perLoop: [LoopConnections]
    private let state = Mutex(State())
    private let openConnections = Atomic<Int>(0)
    private let draining = Atomic<Bool>(false)
    /// The most connections open since memory was last trimmed.
    private let connectionHighWater = Atomic<Int>(0)
    /// Resident memory after the last trim, or its lowest since (``trimMemoryAfterBurst()``).
    private let residentAfterTrim = Atomic<Int>(.max)
    /// The free memory malloc held at the last trim, or its lowest since.
    private let heldFreeAtTrim = Atomic<Int>(.max)
    /// Connections accepted and ended, in all: with the requests served, what frees memory.
    private let connectionChanges = Atomic<Int>(0)
    /// Connections changed and requests served at the last check.
    private let activityAtLastCheck = Atomic<Int>(-1)
    /// Malloc's free memory was read once since activity stopped.
    private let lookedWhileQuiet = Atomic<Bool>(false)
    /// How many times malloc's free memory was read (tests).
    private let freeMemoryReads = Atomic<Int>(0)
    private let maxConnections: Int
    /// Seconds on the monotonic clock when ``descriptorsRanLow(_:)`` last logged.
    private let lastDescriptorWarning = Atomic<Int>(.min / 2)
    private let addressCounts: AddressConnectionCounts
    private let upgradedStreams = Atomic<Int>(0)
    private let eventStreams = Atomic<Int>(0)
    /// HTTPS connections whose handshake is under way (``HTTPServer/handshake``), so shutdown
    /// can end them; they count as open connections.
    let handshaking = Mutex<[ObjectIdentifier: Socket]>([:])
    /// How many failed handshakes are logged line by line (``HTTPLimits/handshakeFailureLogBurst``).
    let handshakeFailures: LogBudget

    private struct State {
        var listeners: [Socket] = []
        var bound: [SocketAddress] = []
        var sweepers: [LoopTimer] = []
        var stopped = false
    }

    package init(configuration: HTTPServerConfiguration, responder: HTTPResponder, group: EventLoopGroup) {
        self.configuration = configuration
        self.responder = responder
        self.group = group
        perLoop = group.loops.map(LoopConnections.init)
        maxConnections = HTTPServer.connectionCapacity(wanted: configuration.limits.maxConnections)
        addressCounts = AddressConnectionCounts(limits: configuration.limits)
        handshakeFailures = LogBudget(
            burst: configuration.limits.handshakeFailureLogBurst, windowSeconds: configuration.limits.handshakeFailureLogWindow)
    }

    /// The addresses actually bound (with the real port when 0 was asked for).
    package var boundAddresses: [SocketAddress] { state.withLock { $0.bound } }

    /// Open connections, idle and active.
    package var connectionCount: Int { openConnections.load(ordering: .relaxed) }

    /// Idle (parked) and active connections, summed over the loops.
    package var connectionCounts: (idle: Int, active: Int) {
        perLoop.reduce((0, 0)) { sum, loop in
            let counts = loop.counts
            return (sum.0 + counts.idle, sum.1 + counts.active)
        }
    }

    /// Connections that switched protocols (`101`) and are now raw streams, open now; they are
    /// also in ``connectionCount``. For metrics.
    package var upgradedStreamCount: Int { upgradedStreams.load(ordering: .relaxed) }

    func upgradeStarted() { upgradedStreams.add(1, ordering: .relaxed) }

    /// Server-sent event streams (responses with a probe) being sent now. For metrics.
    package var eventStreamCount: Int { eventStreams.load(ordering: .relaxed) }

    func eventStreamStarted() { eventStreams.add(1, ordering: .relaxed) }
    func eventStreamEnded() { eventStreams.subtract(1, ordering: .relaxed) }
    func upgradeEnded() { upgradedStreams.subtract(1, ordering: .relaxed) }

    var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// Binds every address on every loop and starts accepting.
    /// - Throws: ``SystemError`` when an address cannot be bound (in use, no permission…).
    package func start() throws {
        var listeners: [(Socket, LoopConnections)] = []
        var bound: [SocketAddress] = []
        do {
            for var address in configuration.addresses {
                for connections in perLoop {
                    let listener = try Socket.listen(on: address, reusePort: perLoop.count > 1, loop: connections.loop)
                    listeners.append((listener, connections))
                    if address.port == 0, let actual = try? listener.localAddress() { address = actual }
                }
                bound.append(address)
            }
        } catch {
            for (listener, _) in listeners { listener.close() }
            throw error
        }
        let timers = perLoop.map { connections in
            connections.loop.schedule(at: .after(seconds: 1)) { [weak self] in self?.sweep(connections) }
        }
        state.withLock { s in
            s.listeners = listeners.map(\.0)
            s.bound = bound
            s.sweepers = timers
        }
        for (listener, connections) in listeners {
            connections.loop.execute { [self] in acceptAll(listener, connections) }
        }
    }

    // MARK: Accepting

    private func acceptAll(_ listener: Socket, _ connections: LoopConnections) {
        while !listener.isClosed {
            let accepted: (fd: Int32, peer: SocketAddress)?
            do {
                accepted = try listener.accept()
            } catch {
                // EMFILE, ENFILE, ENOBUFS, ENOMEM: back off instead of spinning on a listener that stays readable.
                configuration.errorLog("accept: \(error); pausing accepts for 100 ms")
                connections.loop.schedule(at: .after(milliseconds: 100)) { [self] in acceptAll(listener, connections) }
                return
            }
            guard let (fd, peer) = accepted else { break }
            if Int(fd) >= DescriptorBudget.acceptCeiling {
                descriptorsRanLow(fd)
                refuse(fd, .serviceUnavailable, "The server is out of file descriptors; try again shortly.")
                continue
            }
            if openConnections.load(ordering: .relaxed) >= maxConnections || isDraining {
                refuse(fd, .serviceUnavailable, "The server is at its connection limit; try again shortly.")
                continue
            }
            let key = addressCounts.key(for: peer)
            if let key, !addressCounts.admit(key) {
                refuse(fd, .tooManyRequests, "Too many connections from your address; close some and try again.")
                continue
            }
            let socket: Socket
            do {
                socket = try Socket(adopting: fd, loop: connections.loop)
            } catch {
                configuration.errorLog("registering a connection: \(error)")
                if let key { addressCounts.release(key) }
                continue
            }
            if peer.family != .unix { try? socket.setNoDelay() }
            let open = openConnections.add(1, ordering: .relaxed).newValue
            connectionChanges.add(1, ordering: .relaxed)
            if open > connectionHighWater.load(ordering: .relaxed) { connectionHighWater.store(open, ordering: .relaxed) }
            if let tls = configuration.tls {
                handshake(socket, peer: peer, addressKey: key, connections: connections, context: tls.current)
                continue
            }
            let connection = HTTPConnection(io: socket, peer: peer, addressKey: key, server: self, connections: connections)
            connection.park()
        }
        if !listener.isClosed, !listener.readiness.park({ [self] in acceptAll(listener, connections) }) {
            connections.loop.execute { [self] in acceptAll(listener, connections) }
        }
    }

    /// Logs, at most every 10 seconds, that connections are being refused to keep the
    /// descriptor reserve.
    private func descriptorsRanLow(_ fd: Int32) {
        let now = Int(Deadline.now.nanoseconds / 1_000_000_000)
        let last = lastDescriptorWarning.load(ordering: .relaxed)
        guard now - last >= 10, lastDescriptorWarning.compareExchange(
            expected: last, desired: now, ordering: .relaxed).exchanged else { return }
        configuration.errorLog(
            "accept: \(Int(fd) + 1) descriptors open of a limit of \(DescriptorBudget.limit); answering 503 until some close "
                + "(the last \(DescriptorBudget.reserve) are kept for the database, Docker connections and the runtime)")
    }

    /// Over a connection cap or past the descriptor reserve: a canned answer (503 at the
    /// server's cap, 429 at the address's) and close, without registering the socket.
    private func refuse(_ fd: Int32, _ status: HTTPStatus, _ message: String) {
        let body = message + "\n"
        let response = "HTTP/1.1 \(status)\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nRetry-After: 1\r\nConnection: close\r\n"
            + "Date: \(HTTPDate.now)\r\nServer: \(configuration.serverName)\r\nX-Request-Id: \(requestIDs.next())\r\n"
            + "X-Content-Type-Options: nosniff\r\n\r\n\(body)"
        var bytes = Array(response.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        Glibc.close(fd)
    }

    func connectionClosed(_ connection: HTTPConnection) {
        connection.connections.closed(connection)
        connectionEnded(addressKey: connection.addressKey)
    }

    /// Gives back what an accepted connection was counted under (also for a failed handshake).
    func connectionEnded(addressKey: ClientAddressKey?) {
        if let addressKey { addressCounts.release(addressKey) }
        openConnections.subtract(1, ordering: .relaxed)
        connectionChanges.add(1, ordering: .relaxed)
    }

    /// How many times the once-a-second check read malloc's free memory (tests).
    package var freeMemoryReadCount: Int { freeMemoryReads.load(ordering: .relaxed) }

    /// Open connections counted for `key` (tests).
    package func openConnections(from key: ClientAddressKey) -> Int { addressCounts.count(key) }

    // MARK: Idle timeout

    /// Closes connections idle for longer than the keep-alive timeout; runs once a second per loop.
    private func sweep(_ connections: LoopConnections) {
        let cutoff = Deadline(nanoseconds: Deadline.now.nanoseconds &- UInt64(configuration.limits.keepAliveTimeout * 1e9))
        for connection in connections.takeIdle(before: cutoff) { connection.closeIfParked() }
        trimMemoryAfterLargeDrop()
        if connections === perLoop.first {
            trimMemoryAfterBurst()
            if let count = handshakeFailures.leftOut() {
                let limits = configuration.limits
                configuration.errorLog(
                    "\(count) more TLS handshakes failed, not logged one by one (at most \(limits.handshakeFailureLogBurst) lines per \(Int(limits.handshakeFailureLogWindow)) s)")
            }
        }
        let stopped = state.withLock { $0.stopped }
        if !stopped {
            let timer = connections.loop.schedule(at: .after(seconds: 1)) { [weak self] in self?.sweep(connections) }
            state.withLock { s in
                if let index = perLoop.firstIndex(where: { $0 === connections }), index < s.sweepers.count {
                    s.sweepers[index] = timer
                }
            }
        }
    }

    /// When the open connections fell to under half of their recent peak, and by over a thousand,
    /// the memory those connections used is free but still held by malloc: give it back.
    private func trimMemoryAfterLargeDrop() {
        let open = openConnections.load(ordering: .relaxed)
        let peak = connectionHighWater.load(ordering: .relaxed)
        guard peak - open >= 1000, open < peak / 2 else { return }
        connectionHighWater.store(open, ordering: .relaxed)
        Memory.releaseFreePages()
    }

    /// Gives free heap pages back when malloc holds at least ``burstTrimBytes`` freed, and either
    /// resident memory grew that much over its level after the last trim, or that much more was
    /// freed since. A burst of requests (a thousand followers opening their streams at once)
    /// frees its handlers' frames between the objects that stay (the streams), where `free`
    /// cannot return them, and RSS would keep them. The second condition matters when a trim ran
    /// in the middle of the burst: most of its memory is freed after that trim, without RSS
    /// growing any further. Trimmed pages still count as free for malloc, so free memory that
    /// stays as it is (scattered among live objects, nothing to give back) triggers no second trim.
    ///
    /// Reading malloc's free memory walks its free lists, about 1 ms with a thousand streams open,
    /// on the loop: it is read when requests were served or connections came or went since the
    /// last check, once more after that (for what the last of them freed as they finished), and
    /// when resident memory grew. Streams that only carry events free nothing new.
    private func trimMemoryAfterBurst() {
        guard let resident = Memory.residentBytes else { return }
        if resident < residentAfterTrim.load(ordering: .relaxed) { residentAfterTrim.store(resident, ordering: .relaxed) }
        let grew = resident - residentAfterTrim.load(ordering: .relaxed) >= Self.burstTrimBytes
        let activity = Int(truncatingIfNeeded: requestIDs.issued) &+ connectionChanges.load(ordering: .relaxed)
        if activityAtLastCheck.exchange(activity, ordering: .relaxed) != activity {
            lookedWhileQuiet.store(false, ordering: .relaxed)
        } else if lookedWhileQuiet.exchange(true, ordering: .relaxed), !grew {
            return
        }
        freeMemoryReads.add(1, ordering: .relaxed)
        let free = Memory.heldFreeBytes
        if free < heldFreeAtTrim.load(ordering: .relaxed) { heldFreeAtTrim.store(free, ordering: .relaxed) }
        let freedMore = free - heldFreeAtTrim.load(ordering: .relaxed) >= Self.burstTrimBytes
        guard free >= Self.burstTrimBytes, grew || freedMore else { return }
        Memory.releaseFreePages()
        residentAfterTrim.store(Memory.residentBytes ?? resident, ordering: .relaxed)
        heldFreeAtTrim.store(free, ordering: .relaxed)
    }

    /// 2 MiB: a thousand streams are to cost under 8 KiB each, and 8 MiB left unreturned after a
    /// burst was as much again. A trim walks malloc's free lists: at most once a second.
    static let burstTrimBytes = 2 * 1024 * 1024

    // MARK: Shutdown

    /// Graceful shutdown: stop accepting, close idle connections, let requests in flight finish
    /// (streams are asked to end) until the grace period ends, then close what is left.
    package func shutdown() async {
        let (listeners, sweepers) = state.withLock { s -> ([Socket], [LoopTimer]) in
            s.stopped = true
            defer { s.listeners = []; s.sweepers = [] }
            return (s.listeners, s.sweepers)
        }
        draining.store(true, ordering: .relaxed)
        // Closed on their loops (acceptAll may be using them), and waited for: once shutdown has
        // begun, and certainly once it returns, the port accepts nothing.
        for listener in listeners {
            await withCheckedContinuation { (closed: CheckedContinuation<Void, Never>) in
                listener.loop.execute {
                    listener.close()
                    closed.resume()
                }
            }
        }
        for (timer, connections) in zip(sweepers, perLoop) { connections.loop.cancel(timer) }

        let deadline = Deadline.after(seconds: configuration.limits.shutdownGracePeriod)
        while true {
            // Handshakes under way end now (their clients have sent no request yet).
            for socket in handshaking.withLock({ Array($0.values) }) { socket.shutdownBoth() }
            for connections in perLoop {
                for connection in connections.takeIdle(before: nil) {
                    connections.loop.execute { connection.closeIfParked() }
                }
                for connection in connections.activeConnections { connection.endStream() }
            }
            if openConnections.load(ordering: .relaxed) == 0 || deadline.hasPassed { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
        // Past the grace period: close whatever is still open; the tasks see their socket fail.
        for connections in perLoop {
            for connection in connections.activeConnections { connection.abort() }
        }
        let cleanup = Deadline.after(seconds: 2)
        while openConnections.load(ordering: .relaxed) > 0, !cleanup.hasPassed {
            try? await Task.sleep(for: .milliseconds(5))
        }
        configuration.accessLog?.flush()
    }

    // MARK: Limits

    /// Caps connections to fit in the open-file limit (raised to the hard one by
    /// ``DescriptorBudget``), keeping room for database files, Docker connections and listeners.
    /// Below a limit of about 300 the floor of 16 may not fit: the descriptor check in
    /// ``acceptAll(_:_:)`` is what keeps the reserve then.
    private static func connectionCapacity(wanted: Int) -> Int {
        min(wanted, max(16, DescriptorBudget.limit - 256))
    }
}
