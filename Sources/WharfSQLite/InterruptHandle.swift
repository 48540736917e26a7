internal import CSQLite
import Synchronization

/// Lets another thread interrupt the one operation running on a connection.
///
/// `sqlite3_interrupt` is the only SQLite call that may come from another thread, and only while
/// the connection is open ("not safe to call this routine with a database connection that is
/// closed or might close before sqlite3_interrupt() returns"): the handle is cleared under the
/// same lock before `sqlite3_close_v2`.
///
/// `sqlite3_interrupt` alone has a race: a call made when no statement is running is a no-op, so a
/// cancel arriving just before `sqlite3_step` would be lost. The handle therefore also keeps a
/// flag that ``Statement/step()`` checks before stepping and that the connection's progress
/// handler (`sqlite3_progress_handler`) checks while a statement runs.
///
/// Interrupts target an operation id, so a task cancelled while it waits for the connection
/// cannot interrupt the operation of another task that holds it.
final class InterruptHandle: Sendable {
    // @unchecked: the pointer is only ever passed to sqlite3_interrupt, which SQLite allows from
    // any thread while the connection is open; invalidate() clears it under the lock before close.
    private struct State: @unchecked Sendable {
        var database: OpaquePointer?
        var running: UInt64?
    }

    private let state: Mutex<State>
    private let requested = Atomic<Bool>(false)
    private let nextOperation = Atomic<UInt64>(1)
    private let closed = Atomic<Bool>(false)

    init(database: OpaquePointer) {
        state = Mutex(State(database: database, running: nil))
    }

    /// Whether the running operation has been asked to stop. Cheap: one relaxed atomic load.
    var isRequested: Bool { requested.load(ordering: .relaxed) }

    /// Whether the connection has been closed; statements check it before touching their handle.
    var isClosed: Bool { closed.load(ordering: .relaxed) }

    /// A fresh id for an operation about to be submitted.
    func makeOperationID() -> UInt64 {
        nextOperation.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// Marks `operation` as the one running on the connection. Call on the connection's thread.
    func begin(_ operation: UInt64) {
        state.withLock { state in
            state.running = operation
            requested.store(false, ordering: .relaxed)
        }
    }

    /// Marks the end of `operation`; later interrupts aimed at it do nothing.
    func end(_ operation: UInt64) {
        state.withLock { state in
            if state.running == operation { state.running = nil }
            requested.store(false, ordering: .relaxed)
        }
    }

    /// Interrupts `operation` if it is the one running; otherwise does nothing. Any thread.
    func interrupt(_ operation: UInt64) {
        state.withLock { state in
            guard state.running == operation, let database = state.database else { return }
            requested.store(true, ordering: .relaxed)
            sqlite3_interrupt(database)
        }
    }

    /// Runs `body` with the request flag lowered, restoring it afterwards. Used for the `ROLLBACK`
    /// that must still run after an interrupted transaction body.
    func suspended<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        let wasRequested = requested.exchange(false, ordering: .relaxed)
        defer { if wasRequested { requested.store(true, ordering: .relaxed) } }
        return try body()
    }

    /// Forgets the connection before it closes. Any thread; waits for an `interrupt` in progress.
    func invalidate() {
        state.withLock { state in
            state.database = nil
            closed.store(true, ordering: .relaxed)
        }
    }
}
