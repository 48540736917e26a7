/// One ``SQLiteConnection`` confined to its own serial queue: an actor whose executor is that
/// queue, so callers simply `await` while blocking SQLite calls run off the cooperative pool
/// (the design of GRDB's `DispatchQueueActor`).
///
/// Each call is one operation. Cancelling the calling task interrupts that operation, and only
/// that one (see ``InterruptHandle``); it then fails with `CancellationError`.
actor SerializedConnection {
    private let executor: QueueExecutor
    private var connection: SQLiteConnection?
    private let interrupts: InterruptHandle
    private let label: String

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private init(label: String, executor: QueueExecutor, connection: sending SQLiteConnection) {
        self.label = label
        self.executor = executor
        self.interrupts = connection.interrupts
        self.connection = connection
    }

    /// Opens a connection on a new serial queue named `label`; the caller is suspended, not
    /// blocked, while `open` runs (it may wait on another process's lock).
    static func open(
        label: String, _ open: @escaping @Sendable () throws -> sending SQLiteConnection
    ) async throws -> SerializedConnection {
        let executor = QueueExecutor(label: label)
        let connection = try await executor.run(open)
        return SerializedConnection(label: label, executor: executor, connection: connection)
    }

    /// Runs `body` with the connection, on the connection's queue.
    ///
    /// - Throws: what `body` throws; `CancellationError` when the task was cancelled before or
    ///   during the operation; `SQLITE_MISUSE` after ``close(checkpoint:)``.
    nonisolated func perform<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let interrupts = self.interrupts
        let operation = interrupts.makeOperationID()
        return try await withTaskCancellationHandler {
            try await run(operation, body)
        } onCancel: {
            interrupts.interrupt(operation)
        }
    }

    /// Runs `body` with the connection on the calling thread, on the connection's queue entered
    /// with `DispatchQueue.sync`: for a short query on a connection lent to the caller alone, whose
    /// two thread hops would cost more than the query. Cancellation does not interrupt it.
    nonisolated func performNow<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) throws -> T {
        try executor.sync {
            try assumeIsolated { isolated in try isolated.runNow(body) }
        }
    }

    private func runNow<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) throws -> T {
        guard let connection else { throw SQLiteError.closed(label) }
        defer {
            connection.resetBusyStatements()
            connection.rollbackAfterFailure()
        }
        return try body(connection)
    }

    private func run<T: Sendable>(_ operation: UInt64, _ body: @Sendable (SQLiteConnection) throws -> T) throws -> T {
        guard let connection else { throw SQLiteError.closed(label) }
        // Mark the operation running before checking for cancellation: a cancel that lands after
        // this check finds it running and interrupts it (see InterruptHandle).
        interrupts.begin(operation)
        defer {
            // Whatever the body did, the next operation must start with no statement mid-way and
            // outside any transaction.
            connection.resetBusyStatements()
            connection.rollbackAfterFailure()
            interrupts.end(operation)
        }
        if Task.isCancelled { throw CancellationError() }
        do {
            return try body(connection)
        } catch SQLiteError.interrupted where Task.isCancelled {
            throw CancellationError()
        }
    }

    /// Closes the connection; with `checkpoint`, first copies the WAL into the database file
    /// (best effort: another process may be reading). Later operations fail. Idempotent.
    func close(checkpoint: Bool) {
        guard let connection else { return }
        self.connection = nil
        if checkpoint { try? connection.checkpoint() }
        connection.close()
    }
}
