internal import CSQLite

/// A prepared statement: owns one `sqlite3_stmt*` and finalizes it exactly once.
///
/// Made by ``SQLiteConnection/prepare(_:)`` or ``SQLiteConnection/cachedStatement(_:)``; bind
/// arguments, then call ``step()`` until it returns `false`, reading columns while it returns
/// `true`. Like its connection it is confined to one thread at a time, and it must not be used
/// after its connection is closed.
package final class Statement {
    /// The SQL text as prepared. Safe to log: arguments are bound, never part of it.
    package let sql: String
    private var handle: OpaquePointer?
    private let interrupts: InterruptHandle
    /// Filled by `columnNames` (in `Statement+Columns.swift`) on first use.
    var cachedColumnNames: [String]?

    /// Prepares one statement with `sqlite3_prepare_v3`.
    ///
    /// SQL text holding a second statement is refused: `sqlite3_prepare_v3` compiles only the
    /// first and reports the rest as a tail, which would otherwise be silently ignored.
    /// - Parameter persistent: `SQLITE_PREPARE_PERSISTENT`, a hint for statements kept in a cache.
    init(database: OpaquePointer, sql: String, persistent: Bool, interrupts: InterruptHandle) throws(SQLiteError) {
        self.sql = sql
        self.interrupts = interrupts
        var statement: OpaquePointer?
        var extraStatement = false
        let flags = UInt32(persistent ? SQLITE_PREPARE_PERSISTENT : 0)
        let code = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(database, text, -1, flags, &statement, &tail)
            if code == SQLITE_OK, let tail, tail.pointee != 0 {
                // The rest may be only whitespace, semicolons and comments, which compile to nothing.
                var next: OpaquePointer?
                let nextCode = sqlite3_prepare_v3(database, tail, -1, 0, &next, nil)
                extraStatement = nextCode != SQLITE_OK || next != nil
                sqlite3_finalize(next)
            }
            return code
        }
        guard code == SQLITE_OK else {
            let error = SQLiteError(resultCode: code, connection: database, sql: sql)
            sqlite3_finalize(statement)
            throw error
        }
        guard let statement, !extraStatement else {
            sqlite3_finalize(statement)
            let problem = extraStatement ? "holds more than one statement; use executeScript" : "holds no statement"
            throw SQLiteError(code: .misuse, message: "the SQL text \(problem)", sql: sql)
        }
        handle = statement
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Finalizes the statement now (`sqlite3_finalize`). Idempotent; later use is a programmer error.
    package func finalize() {
        sqlite3_finalize(handle)
        handle = nil
    }

    /// The live handle; using a finalized statement or one whose connection closed is a bug.
    var liveHandle: OpaquePointer {
        guard let handle else { preconditionFailure("statement used after finalize(): \(sql)") }
        precondition(!interrupts.isClosed, "statement used after its connection was closed: \(sql)")
        return handle
    }

    /// Runs one step (`sqlite3_step`).
    /// - Returns: `true` when a row is available (`SQLITE_ROW`), `false` when done (`SQLITE_DONE`).
    /// - Throws: `SQLiteError` carrying this SQL; the statement is reset so it can be reused.
    ///   `SQLITE_INTERRUPT` when the running operation was cancelled.
    @discardableResult
    package func step() throws(SQLiteError) -> Bool {
        let handle = liveHandle
        if interrupts.isRequested {
            sqlite3_reset(handle)
            throw SQLiteError(code: .interrupt, message: "interrupted", sql: sql)
        }
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            // Read the message before sqlite3_reset, which may replace it.
            let error = SQLiteError(resultCode: code, connection: sqlite3_db_handle(handle), sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Rewinds the statement so it can run again (`sqlite3_reset`); bindings are kept.
    /// The result code repeats the last `step` error, which was already thrown, so it is ignored.
    package func reset() {
        sqlite3_reset(liveHandle)
    }

    /// Sets every parameter back to `NULL` (`sqlite3_clear_bindings`), dropping SQLite's copies of
    /// the previous arguments.
    package func clearBindings() {
        sqlite3_clear_bindings(liveHandle)
    }

    /// Whether the statement has stepped and not yet finished or been reset (`sqlite3_stmt_busy`).
    package var isBusy: Bool { sqlite3_stmt_busy(liveHandle) != 0 }

    /// Whether the statement leaves the database unchanged (`sqlite3_stmt_readonly`).
    package var isReadOnly: Bool { sqlite3_stmt_readonly(liveHandle) != 0 }

    /// Builds an error about this statement, with SQLite's message for `code`.
    func error(_ code: Int32) -> SQLiteError {
        SQLiteError(resultCode: code, connection: sqlite3_db_handle(liveHandle), sql: sql)
    }
}

@available(*, unavailable, message: "a Statement belongs to one connection, confined to one thread")
extension Statement: Sendable {}
