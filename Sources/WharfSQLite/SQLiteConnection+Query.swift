/// Running SQL with bound arguments. Every method here takes its statement from the cache, binds
/// the arguments (never interpolating them into SQL), and resets the statement and clears its
/// bindings afterwards, so no lock is held and no argument lingers in SQLite's memory.
extension SQLiteConnection {
    /// How many statements the cache keeps. SQL in Wharf is written in code, so the number of
    /// distinct texts is bounded; the cap only guards against a caller building SQL dynamically.
    package static let statementCacheCapacity = 256

    /// A prepared statement for `sql`, reused across calls (prepared once with
    /// `SQLITE_PREPARE_PERSISTENT`).
    ///
    /// When the cached statement is still busy (a caller is iterating it, or a nested query uses the
    /// same SQL), a fresh uncached statement is returned instead, so one use never rewinds another.
    package func cachedStatement(_ sql: String) throws(SQLiteError) -> Statement {
        if let cached = statementCache[sql] {
            return cached.isBusy ? try prepare(sql) : cached
        }
        if statementCache.count >= Self.statementCacheCapacity {
            statementCache.removeAll()
        }
        let statement = try Statement(database: liveHandle, sql: sql, persistent: true, interrupts: interrupts)
        statementCache[sql] = statement
        return statement
    }

    /// Finalizes every cached statement that is not in use elsewhere.
    package func clearStatementCache() {
        statementCache.removeAll()
    }

    /// Runs one statement to completion, discarding any rows (for `INSERT … RETURNING` use ``query(_:_:)``).
    package func execute(_ sql: String, _ arguments: [SQLiteValue] = []) throws(SQLiteError) {
        try withStatement(sql, .positional(arguments)) { statement throws(SQLiteError) in
            while try statement.step() {}
        }
    }

    /// Runs one statement with named arguments (`:name`, `@name` or `$name`).
    package func execute(_ sql: String, _ arguments: [String: SQLiteValue]) throws(SQLiteError) {
        try withStatement(sql, .named(arguments)) { statement throws(SQLiteError) in
            while try statement.step() {}
        }
    }

    /// All result rows, copied.
    package func query(_ sql: String, _ arguments: [SQLiteValue] = []) throws(SQLiteError) -> [Row] {
        try collect(sql, .positional(arguments))
    }

    /// All result rows, with named arguments.
    package func query(_ sql: String, _ arguments: [String: SQLiteValue]) throws(SQLiteError) -> [Row] {
        try collect(sql, .named(arguments))
    }

    /// The first result row, or `nil`; the statement is not stepped further.
    package func querySingle(_ sql: String, _ arguments: [SQLiteValue] = []) throws(SQLiteError) -> Row? {
        try withStatement(sql, .positional(arguments)) { statement throws(SQLiteError) in
            try statement.step() ? statement.row() : nil
        }
    }

    /// The first result row with named arguments, or `nil`.
    package func querySingle(_ sql: String, _ arguments: [String: SQLiteValue]) throws(SQLiteError) -> Row? {
        try withStatement(sql, .named(arguments)) { statement throws(SQLiteError) in
            try statement.step() ? statement.row() : nil
        }
    }

    /// The first column of the first row decoded as `T`, or `nil` when there is no row.
    ///
    /// ```swift
    /// let count = try connection.queryValue("SELECT count(*) FROM users", as: Int.self) ?? 0
    /// ```
    package func queryValue<T: SQLiteValueConvertible>(
        _ sql: String, _ arguments: [SQLiteValue] = [], as type: T.Type = T.self
    ) throws -> T? {
        try querySingle(sql, arguments).map { row throws(RowDecodingError) in try row.get(0, as: type) }
    }

    /// Calls `body` for each result row as it is stepped, without collecting the rows: for
    /// exports and other results too large to hold. `body` must not keep the connection busy
    /// with a long computation while a read transaction is open.
    package func queryEach(_ sql: String, _ arguments: [SQLiteValue] = [], _ body: (Row) throws -> Void) throws {
        let statement = try cachedStatement(sql)
        defer { finish(statement) }
        try statement.bind(arguments)
        while try statement.step() {
            try body(statement.row())
        }
    }

    /// ``queryEach(_:_:_:)`` with named arguments.
    package func queryEach(_ sql: String, _ arguments: [String: SQLiteValue], _ body: (Row) throws -> Void) throws {
        let statement = try cachedStatement(sql)
        defer { finish(statement) }
        try statement.bind(arguments)
        while try statement.step() {
            try body(statement.row())
        }
    }

    // MARK: - Helpers

    enum Arguments {
        case positional([SQLiteValue])
        case named([String: SQLiteValue])
    }

    private func collect(_ sql: String, _ arguments: Arguments) throws(SQLiteError) -> [Row] {
        try withStatement(sql, arguments) { statement throws(SQLiteError) in
            var rows: [Row] = []
            while try statement.step() {
                rows.append(statement.row())
            }
            return rows
        }
    }

    private func withStatement<T>(
        _ sql: String, _ arguments: Arguments, _ body: (Statement) throws(SQLiteError) -> T
    ) throws(SQLiteError) -> T {
        let statement = try cachedStatement(sql)
        defer { finish(statement) }
        switch arguments {
        case .positional(let values): try statement.bind(values)
        case .named(let values): try statement.bind(values)
        }
        return try body(statement)
    }

    /// Rewinds a statement and drops its arguments after use.
    private func finish(_ statement: Statement) {
        statement.reset()
        statement.clearBindings()
    }
}
