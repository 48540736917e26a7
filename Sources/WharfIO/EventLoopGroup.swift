import Synchronization

/// A fixed set of event loops, handed out round-robin.
///
/// Wharf runs one or two loops: sockets are spread over them, and each loop is also the task
/// executor of the connections it owns.
package final class EventLoopGroup: Sendable {
    package let loops: [EventLoop]
    private let cursor = Atomic<UInt>(0)

    /// Starts `count` loops (at least one).
    package init(loops count: Int, name: String = "wharf-loop") throws {
        var loops: [EventLoop] = []
        for index in 0..<max(1, count) {
            loops.append(try EventLoop.start(name: "\(name)-\(index)"))
        }
        self.loops = loops
    }

    /// The next loop in turn.
    package func next() -> EventLoop {
        let index = Int(cursor.wrappingAdd(1, ordering: .relaxed).oldValue % UInt(loops.count))
        return loops[index]
    }

    /// Stops every loop.
    package func shutdown() async {
        for loop in loops { await loop.shutdown() }
    }
}
