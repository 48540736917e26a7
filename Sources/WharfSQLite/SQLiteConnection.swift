internal import CSQLite

/// One SQLite connection: owns a `sqlite3*` and closes it exactly once.
///
/// A connection is not thread-safe. It is opened with `SQLITE_OPEN_NOMUTEX` because each one is
/// confined to a single serial queue (see ``Database``), so SQLite's own mutexes would only cost
/// time. Every connection gets extended result codes, `foreign_keys = ON`, a busy timeout,
/// defensive mode and no double-quoted string literals; ``useWriteAheadLog()`` adds WAL and
/// `synchronous = NORMAL` for the connection that writes.
///
/// ```swift
/// let connection = try SQLiteConnection(path: "/var/lib/wharf/wharf.sqlite")
/// try connection.execute("INSERT INTO hosts(name) VALUES (?)", [.text(name)])
/// let hosts = try connection.query("SELECT id, name FROM hosts ORDER BY name")
/// ```
package final class SQLiteConnection {
    /// How to open the file (`SQLITE_OPEN_*` flags given to `sqlite3_open_v2`).
    package enum Mode: Sendable, Hashable {
        /// `SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE`: create the file when missing.
        case readWriteCreate
        /// `SQLITE_OPEN_READWRITE`: the file must exist.
        case readWrite
        /// `SQLITE_OPEN_READONLY`: every write fails with `SQLITE_READONLY`.
        case readOnly
    }

    /// The path given to `sqlite3_open_v2`.
    package let path: String
    /// How the file was opened.
    package let mode: Mode
    private var handle: OpaquePointer?
    /// Lets another thread interrupt this connection's running operation (see ``InterruptHandle``).
    let interrupts: InterruptHandle
    /// Prepared statements by SQL text; see ``cachedStatement(_:)``.
    var statementCache: [String: Statement] = [:]
    /// Values the application attached (``subscript(_:)``), by key type.
    var values: [ObjectIdentifier: any Sendable] = [:]

    /// Opens a connection with `sqlite3_open_v2` and configures it.
    ///
    /// The handle is released even when opening fails: `sqlite3_open_v2` "usually" returns a
    /// handle on error too, which must be passed to `sqlite3_close_v2`.
    /// - Parameters:
    ///   - path: a file path, or `":memory:"` for a private in-memory database.
    ///   - busyTimeout: how long a statement waits for another connection's lock before
    ///     failing with `SQLITE_BUSY` (`sqlite3_busy_timeout`).
    /// - Throws: `SQLiteError`, for example `SQLITE_CANTOPEN` for a missing directory.
    package init(path: String, mode: Mode = .readWriteCreate, busyTimeout: Duration = .seconds(5)) throws(SQLiteError) {
        self.path = path
        self.mode = mode
        // SQLITE_OPEN_EXRESCODE turns on extended result codes from the open call onwards.
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        switch mode {
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        var opened: OpaquePointer?
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            let error = SQLiteError(resultCode: code, connection: opened, sql: nil)
            sqlite3_close_v2(opened)
            throw error
        }
        handle = opened
        interrupts = InterruptHandle(database: opened)
        do {
            try configure(opened, busyTimeout: busyTimeout)
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    private func configure(_ database: OpaquePointer, busyTimeout: Duration) throws(SQLiteError) {
        let milliseconds = busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000
        sqlite3_busy_timeout(database, Int32(clamping: milliseconds))
        // Defensive mode forbids SQL that can corrupt the file (writable_schema, …). With the DQS
        // options off, "name" is always an identifier, never a string literal typed by mistake.
        for (option, value) in [(SQLITE_DBCONFIG_DEFENSIVE, 1), (SQLITE_DBCONFIG_DQS_DML, 0), (SQLITE_DBCONFIG_DQS_DDL, 0)] {
            let code = CSQLite_sqlite3_db_config_int(database, option, Int32(value))
            guard code == SQLITE_OK else { throw SQLiteError(resultCode: code, connection: database) }
        }
        // Checked every 1000 virtual-machine instructions; a non-zero return makes the running
        // statement fail with SQLITE_INTERRUPT. The context is `interrupts`, which this connection
        // keeps alive until after the handler is removed in close().
        sqlite3_progress_handler(
            database, 1000,
            { context in
                guard let context else { return 0 }
                return Unmanaged<InterruptHandle>.fromOpaque(context).takeUnretainedValue().isRequested ? 1 : 0
            },
            Unmanaged.passUnretained(interrupts).toOpaque())
        try execute("PRAGMA foreign_keys = ON")
    }

    /// Switches the file to write-ahead logging and sets `synchronous = NORMAL`, which is durable
    /// in WAL mode except for the last transactions before a power loss, and never corrupts.
    ///
    /// WAL is a property of the file: readers and other processes then read while one writer
    /// writes. `synchronous` is per connection, so call this on each connection that writes.
    /// - Throws: when the file stays in another journal mode (an in-memory database, or a file
    ///   system without shared memory).
    package func useWriteAheadLog() throws(SQLiteError) {
        let mode = try querySingle("PRAGMA journal_mode = WAL").map { $0[0] }
        guard case .text(let name) = mode, name.lowercased() == "wal" else {
            throw SQLiteError(code: .error, message: "the database refused journal_mode = WAL", sql: "PRAGMA journal_mode = WAL")
        }
        try execute("PRAGMA synchronous = NORMAL")
    }

    /// Closes the connection: finalizes cached statements, then `sqlite3_close_v2`. Idempotent.
    ///
    /// `sqlite3_close_v2` never fails for a valid handle: with statements still unfinalized the
    /// connection becomes a "zombie" freed when the last one is finalized.
    package func close() {
        guard let handle else { return }
        for statement in statementCache.values { statement.finalize() }
        statementCache.removeAll()
        interrupts.invalidate()
        sqlite3_progress_handler(handle, 0, nil, nil)
        sqlite3_close_v2(handle)
        self.handle = nil
    }

    /// Whether ``close()`` has run.
    package var isClosed: Bool { handle == nil }

    /// The open handle; using a closed connection is a programmer error.
    var liveHandle: OpaquePointer {
        guard let handle else { preconditionFailure("SQLiteConnection used after close(): \(path)") }
        return handle
    }

    /// Prepares a statement that is not cached (`sqlite3_prepare_v3`).
    /// - Throws: `SQLiteError` for invalid SQL, or text holding more than one statement.
    package func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        try Statement(database: liveHandle, sql: sql, persistent: false, interrupts: interrupts)
    }

    /// Rewinds every statement of this connection left mid-way (`sqlite3_next_stmt`,
    /// `sqlite3_stmt_busy`, `sqlite3_reset`). A statement stepped but never reset keeps its read
    /// snapshot, and a stale `sqlite3_interrupt` stays armed while any statement is active, so the
    /// owner calls this between operations.
    func resetBusyStatements() {
        let database = liveHandle
        var statement = sqlite3_next_stmt(database, nil)
        while let current = statement {
            if sqlite3_stmt_busy(current) != 0 { sqlite3_reset(current) }
            statement = sqlite3_next_stmt(database, current)
        }
    }

    /// Whether no transaction is open (`sqlite3_get_autocommit`).
    package var isAutocommit: Bool { sqlite3_get_autocommit(liveHandle) != 0 }

    /// The rowid of the last successful `INSERT` on this connection (`sqlite3_last_insert_rowid`).
    package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(liveHandle) }

    /// Rows changed by the last `INSERT`, `UPDATE` or `DELETE` (`sqlite3_changes64`).
    package var changes: Int { Int(sqlite3_changes64(liveHandle)) }

    /// Copies the WAL back into the database file and truncates it
    /// (`sqlite3_wal_checkpoint_v2` with `SQLITE_CHECKPOINT_TRUNCATE`), waiting for readers
    /// within the busy timeout. Call before closing, or before copying the file for a backup.
    package func checkpoint() throws(SQLiteError) {
        let code = sqlite3_wal_checkpoint_v2(liveHandle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
        guard code == SQLITE_OK else { throw SQLiteError(resultCode: code, connection: liveHandle, sql: nil) }
    }
}

@available(*, unavailable, message: "a SQLiteConnection is confined to one thread; share a Database instead")
extension SQLiteConnection: Sendable {}
