internal import CSQLite

extension SQLiteConnection {
    /// Runs every statement in `script`, in order, without arguments. For migrations only: all
    /// other SQL goes through ``execute(_:_:)`` with bound arguments.
    ///
    /// This is `sqlite3_exec` written out as a `sqlite3_prepare_v3` / `sqlite3_step` loop over the
    /// tail, so that an error carries the text of the statement that failed rather than the whole
    /// script, and so that cancellation is checked between statements.
    /// - Throws: `SQLiteError` whose `sql` is the failing statement. Statements before it have run;
    ///   run the script inside a transaction to undo them.
    package func executeScript(_ script: String) throws(SQLiteError) {
        let database = liveHandle
        // withCString rethrows untyped errors, so the failure comes out as a value.
        let failure: SQLiteError? = script.withCString { start in
            var cursor = start
            while cursor.pointee != 0 {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let code = sqlite3_prepare_v3(database, cursor, -1, 0, &statement, &tail)
                guard code == SQLITE_OK else {
                    let error = SQLiteError(resultCode: code, connection: database, sql: Self.excerpt(cursor))
                    sqlite3_finalize(statement)
                    return error
                }
                guard let statement else { break }  // only whitespace and comments remain
                defer { sqlite3_finalize(statement) }
                let text = sqlite3_sql(statement).map { String(cString: $0) }
                while true {
                    if interrupts.isRequested {
                        return SQLiteError(code: .interrupt, message: "interrupted", sql: text)
                    }
                    let step = sqlite3_step(statement)
                    if step == SQLITE_DONE { break }
                    if step != SQLITE_ROW {
                        return SQLiteError(resultCode: step, connection: database, sql: text)
                    }
                }
                guard let tail else { break }
                cursor = tail
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// The start of the statement that failed to compile, for the error message.
    private static func excerpt(_ text: UnsafePointer<CChar>) -> String {
        let rest = String(cString: text).drop { $0.isWhitespace }
        let statement = rest.prefix { $0 != ";" }
        return statement.count > 200 ? String(statement.prefix(200)) + "…" : String(statement)
    }
}

extension SQLiteConnection {
    /// Runs `body` with an authorizer (`sqlite3_set_authorizer`) that refuses to compile
    /// `BEGIN`/`COMMIT`/`ROLLBACK` (`SQLITE_TRANSACTION`) and `SAVEPOINT`/`RELEASE`
    /// (`SQLITE_SAVEPOINT`): such a statement then fails with `SQLITE_AUTH` before it runs, so a
    /// migration script cannot end the transaction that the migrator wrapped it in.
    ///
    /// Setting or removing an authorizer expires prepared statements; SQLite re-prepares them on
    /// their next step.
    func withTransactionStatementsDenied<T>(_ body: () throws -> T) rethrows -> T {
        let database = liveHandle
        sqlite3_set_authorizer(
            database,
            { _, action, _, _, _, _ in
                action == SQLITE_TRANSACTION || action == SQLITE_SAVEPOINT ? SQLITE_DENY : SQLITE_OK
            }, nil)
        defer { sqlite3_set_authorizer(database, nil, nil) }
        return try body()
    }
}
