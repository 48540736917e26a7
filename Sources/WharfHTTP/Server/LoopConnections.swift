import Synchronization
import WharfIO

/// The connections one event loop owns: the idle (parked) ones, in the order they went idle, and
/// the active ones (a task is serving them).
///
/// Idle connections sit in an intrusive doubly-linked list: parking and waking are O(1) and the
/// once-a-second sweep only looks at the head, because every idle connection has the same
/// timeout. Everything here is touched under `lock`.
final class LoopConnections: Sendable {
    let loop: EventLoop
    private let lock = Mutex(State())

    struct State {
        var head: HTTPConnection?
        var tail: HTTPConnection?
        var idleCount = 0
        var active: [ObjectIdentifier: HTTPConnection] = [:]
    }

    init(loop: EventLoop) { self.loop = loop }

    var counts: (idle: Int, active: Int) { lock.withLock { ($0.idleCount, $0.active.count) } }

    func becameActive(_ connection: HTTPConnection) {
        lock.withLock { s in
            unlink(connection, &s)
            s.active[ObjectIdentifier(connection)] = connection
        }
    }

    /// Moves `connection` from active to the tail of the idle list.
    func becameIdle(_ connection: HTTPConnection, at time: Deadline) {
        lock.withLock { s in
            s.active[ObjectIdentifier(connection)] = nil
            connection.idleSince = time
            connection.idlePrevious = s.tail
            connection.idleNext = nil
            if let tail = s.tail { tail.idleNext = connection } else { s.head = connection }
            s.tail = connection
            connection.isIdle = true
            s.idleCount += 1
        }
    }

    func closed(_ connection: HTTPConnection) {
        lock.withLock { s in
            unlink(connection, &s)
            s.active[ObjectIdentifier(connection)] = nil
        }
    }

    /// Removes and returns the idle connections that went idle at or before `cutoff` (all when nil).
    func takeIdle(before cutoff: Deadline?) -> [HTTPConnection] {
        lock.withLock { s in
            var taken: [HTTPConnection] = []
            while let first = s.head, cutoff.map({ first.idleSince <= $0 }) ?? true {
                unlink(first, &s)
                taken.append(first)
            }
            return taken
        }
    }

    var activeConnections: [HTTPConnection] { lock.withLock { Array($0.active.values) } }

    private func unlink(_ connection: HTTPConnection, _ s: inout State) {
        guard connection.isIdle else { return }
        if let previous = connection.idlePrevious { previous.idleNext = connection.idleNext } else { s.head = connection.idleNext }
        if let next = connection.idleNext { next.idlePrevious = connection.idlePrevious } else { s.tail = connection.idlePrevious }
        connection.idlePrevious = nil
        connection.idleNext = nil
        connection.isIdle = false
        s.idleCount -= 1
    }
}
