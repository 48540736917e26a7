import Synchronization

/// A fixed set of read-only connections lent out one operation at a time.
///
/// A task that finds no idle reader waits on a continuation, so waiting suspends the task
/// instead of blocking a thread. Waiters are served first come, first served; a cancelled waiter
/// leaves the queue at once with `CancellationError`.
final class ReaderPool: Sendable {
    private typealias Waiter = (id: UInt64, continuation: CheckedContinuation<SerializedConnection, any Error>)

    private struct State {
        var idle: [SerializedConnection]
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var isClosed = false
    }

    /// Every reader, idle or lent, for closing.
    let readers: [SerializedConnection]
    private let state: Mutex<State>

    init(readers: [SerializedConnection]) {
        precondition(!readers.isEmpty, "a reader pool needs at least one connection")
        self.readers = readers
        state = Mutex(State(idle: readers))
    }

    /// Lends a reader to `body` and takes it back afterwards.
    func withReader<T: Sendable>(_ body: (SerializedConnection) async throws -> T) async throws -> T {
        let reader = try await acquire()
        defer { release(reader) }
        return try await body(reader)
    }

    /// An idle reader, lent until ``release(_:)``; nil when every reader is busy or the pool closed.
    func tryAcquire() -> SerializedConnection? {
        state.withLock { state in state.isClosed ? nil : state.idle.popLast() }
    }

    private func acquire() async throws -> SerializedConnection {
        enum FastPath { case reader(SerializedConnection), closed, wait(UInt64) }
        let fast = state.withLock { state -> FastPath in
            if state.isClosed { return .closed }
            if let reader = state.idle.popLast() { return .reader(reader) }
            state.nextWaiterID += 1
            return .wait(state.nextWaiterID)
        }
        let id: UInt64
        switch fast {
        case .reader(let reader): return reader
        case .closed: throw SQLiteError.closed("database")
        case .wait(let waiterID): id = waiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Task.isCancelled is read under the lock: either onCancel ran before (and the flag
                // is already set), or it runs after and finds this waiter in the queue.
                let outcome = state.withLock { state -> Result<SerializedConnection, any Error>? in
                    if state.isClosed { return .failure(SQLiteError.closed("database")) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let reader = state.idle.popLast() { return .success(reader) }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    func release(_ reader: SerializedConnection) {
        let waiter = state.withLock { state -> Waiter? in
            if state.waiters.isEmpty {
                state.idle.append(reader)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.continuation.resume(returning: reader)
    }

    /// Refuses new loans and fails every waiting task; readers already lent finish their operation.
    func close() {
        let waiters = state.withLock { state -> [Waiter] in
            state.isClosed = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: SQLiteError.closed("database"))
        }
    }
}
