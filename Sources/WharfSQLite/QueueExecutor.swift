import Dispatch

/// A serial executor backed by a `DispatchQueue`, so an actor using it runs its jobs on that
/// queue's thread instead of the cooperative pool. Blocking calls such as `sqlite3_step` (which may
/// sleep in the busy handler) then never hold one of the pool's few threads.
final class QueueExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(on: self.asUnownedSerialExecutor())
        }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }

    /// Runs `body` on the queue synchronously (`DispatchQueue.sync`): on an idle queue, on the
    /// calling thread, with no thread hop. The caller must know nothing else is queued (a
    /// connection lent to it alone), or it blocks until the queue has drained.
    func sync<T>(_ body: () throws -> T) rethrows -> T {
        try queue.sync(execute: body)
    }

    /// Runs `body` on the queue and returns its result to the awaiting task, which is suspended
    /// meanwhile rather than blocked. Used to open a connection before its actor exists.
    func run<T>(_ body: @escaping @Sendable () throws -> sending T) async throws -> sending T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
