/// How a transaction takes its locks (`BEGIN DEFERRED | IMMEDIATE | EXCLUSIVE`).
package enum TransactionKind: Sendable, Hashable {
    /// Takes a read snapshot at the first read and the write lock at the first write. Use for
    /// reads only: in WAL mode, upgrading a deferred transaction to a write fails at once with
    /// `SQLITE_BUSY_SNAPSHOT` when another connection wrote in between, without waiting.
    case deferred
    /// Takes the write lock at `BEGIN`, waiting up to the busy timeout. Use for every write.
    case immediate
    /// Like `immediate`; in WAL mode it also behaves the same for readers.
    case exclusive

    var beginSQL: String {
        switch self {
        case .deferred: "BEGIN DEFERRED"
        case .immediate: "BEGIN IMMEDIATE"
        case .exclusive: "BEGIN EXCLUSIVE"
        }
    }
}

extension SQLiteConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// Called while a transaction is already open, it nests as a savepoint instead (`SAVEPOINT` /
    /// `RELEASE`, or `ROLLBACK TO` on error), and `kind` is ignored: the outer transaction already
    /// holds its locks. So a helper may use `transaction` whether or not its caller did.
    ///
    /// ```swift
    /// let id = try connection.transaction(.immediate) { connection in
    ///     try connection.execute("INSERT INTO users(email) VALUES (?)", [.text(email)])
    ///     return connection.lastInsertRowID
    /// }
    /// ```
    /// - Throws: what `body` throws, after rolling back; or the `SQLiteError` from `BEGIN`/`COMMIT`.
    package func transaction<T>(_ kind: TransactionKind = .deferred, _ body: (SQLiteConnection) throws -> T) throws -> T {
        guard isAutocommit else { return try savepoint(body) }
        try execute(kind.beginSQL)
        let result: T
        do {
            result = try body(self)
            try execute("COMMIT")
        } catch {
            rollbackAfterFailure()
            throw error
        }
        return result
    }

    private func savepoint<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try execute("SAVEPOINT wharf_nested")
        let result: T
        do {
            result = try body(self)
        } catch {
            // SQLite may already have rolled the whole transaction back (an interrupt, SQLITE_FULL);
            // then the savepoint is gone too and there is nothing left to undo here.
            if !isAutocommit {
                interrupts.suspended {
                    try? execute("ROLLBACK TO wharf_nested")
                    try? execute("RELEASE wharf_nested")
                }
            }
            throw error
        }
        try execute("RELEASE wharf_nested")
        return result
    }

    /// Rolls back the open transaction, if SQLite has not already done so ("if certain kinds of
    /// errors occur within a transaction, the transaction may or may not be rolled back
    /// automatically"). Interrupt requests are held off so the `ROLLBACK` itself is not refused.
    func rollbackAfterFailure() {
        guard !isAutocommit else { return }
        interrupts.suspended {
            try? execute("ROLLBACK")
        }
    }
}
