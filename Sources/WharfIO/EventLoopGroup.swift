import Synchronization

/// A fixed set of event loops, handed out round-robin.
///
/// Wharf runs one or two loops: sockets are spread over them, and each loop is also the task
/// executor of the connections it owns.
package final class EventLoopGroup: Sendable {
    package let loops: [EventLoop]
    private let cursor = Atomic<UInt>(0)

    /// Starts `count` loops (at least one). `pinned` pins loop *i* to the *i*-th CPU the process
    /// may run on (in turn, when there are more loops than CPUs): a loop then never waits behind
    /// another on one CPU while a second sits idle, and its caches stay warm; the price is that
    /// the scheduler cannot move it away from a CPU something else keeps busy.
    package init(loops count: Int, name: String = "wharf-loop", pinned: Bool = false) throws {
        let cpus = pinned ? Processors.allowed : []
        var loops: [EventLoop] = []
        for index in 0..<max(1, count) {
            let cpu = cpus.isEmpty ? nil : cpus[index % cpus.count]
            loops.append(try EventLoop.start(name: "\(name)-\(index)", cpu: cpu))
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
