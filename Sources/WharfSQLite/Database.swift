import Glibc

/// The application's database: one writer connection and a small pool of read-only readers on one
/// SQLite file in WAL mode. Share one `Database` across the process.
///
/// Every connection lives on its own serial queue (see ``SerializedConnection``), so the blocking
/// SQLite calls never occupy the cooperative thread pool; callers just `await`. WAL lets the
/// readers, and other processes such as `wharf` CLI subcommands, read while one connection
/// writes; the busy timeout makes writers from several processes take turns.
///
/// ```swift
/// let database = try await Database.open(path: dataDirectory + "/wharf.sqlite")
/// let id = try await database.write { connection in
///     try connection.execute("INSERT INTO hosts(name) VALUES (?)", [.text(name)])
///     return connection.lastInsertRowID
/// }
/// let names = try await database.read { connection in
///     try connection.query("SELECT name FROM hosts ORDER BY name").map { try $0.get(0, as: String.self) }
/// }
/// await database.close()
/// ```
package final class Database: Sendable {
    /// Tuning for ``Database/open(path:configuration:)``.
    package struct Configuration: Sendable {
        /// Read-only connections in the pool. Reads beyond this many wait (without blocking a thread).
        package var readerCount: Int
        /// How long a connection waits for another's lock before `SQLITE_BUSY`.
        package var busyTimeout: Duration
        /// Permissions for a database file created by ``Database/open(path:configuration:)``;
        /// SQLite gives the `-wal` and `-shm` files the same. The file holds password hashes.
        package var fileMode: UInt32
        /// Run on every connection (the writer and each reader) right after it opens, on its
        /// queue: for values the application attaches (``ConnectionValueKey``).
        package var prepare: (@Sendable (SQLiteConnection) throws -> Void)?

        /// The defaults suit the server: four readers, a 5 s busy timeout, a file only its owner can read.
        package init(
            readerCount: Int = 4, busyTimeout: Duration = .milliseconds(5000), fileMode: UInt32 = 0o600,
            prepare: (@Sendable (SQLiteConnection) throws -> Void)? = nil
        ) {
            precondition(readerCount > 0, "a Database needs at least one reader")
            self.readerCount = readerCount
            self.busyTimeout = busyTimeout
            self.fileMode = fileMode
            self.prepare = prepare
        }
    }

    /// The database file.
    package let path: String
    private let writer: SerializedConnection
    private let readers: ReaderPool
    /// A directory made by ``temporary(configuration:)``, removed by ``close()``.
    private let temporaryDirectory: String?
    /// Whether anything was committed since an earlier look, by any process.
    package let changes: DatabaseChanges

    private init(path: String, writer: SerializedConnection, readers: ReaderPool, temporaryDirectory: String?) {
        self.path = path
        self.writer = writer
        self.readers = readers
        self.temporaryDirectory = temporaryDirectory
        changes = DatabaseChanges(walPath: path + "-wal")
    }

    /// Opens (creating if needed) the database at `path`: the writer first, which switches the file
    /// to WAL, then the readers.
    /// - Throws: `SQLiteError`, for example `SQLITE_CANTOPEN` when the directory does not exist.
    package static func open(path: String, configuration: Configuration = Configuration()) async throws -> Database {
        try await open(path: path, configuration: configuration, temporaryDirectory: nil)
    }

    /// Opens a fresh database in a new private temporary directory, which ``close()`` removes.
    /// For tests: the file behaves exactly like a production one (WAL, readers, locks).
    package static func temporary(configuration: Configuration = Configuration()) async throws -> Database {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/wharf-sqlite-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        guard let directory else {
            throw SQLiteError(code: .cannotOpen, message: "cannot create a temporary directory in \(base) (errno \(errno))")
        }
        return try await open(path: directory + "/test.sqlite", configuration: configuration, temporaryDirectory: directory)
    }

    private static func open(path: String, configuration: Configuration, temporaryDirectory: String?) async throws -> Database {
        let writer = try await SerializedConnection.open(label: "wharf.sqlite.writer") {
            createFileIfMissing(path, mode: configuration.fileMode)
            let connection = try SQLiteConnection(path: path, mode: .readWriteCreate, busyTimeout: configuration.busyTimeout)
            try connection.useWriteAheadLog()
            try configuration.prepare?(connection)
            return connection
        }
        var readers: [SerializedConnection] = []
        do {
            for index in 0..<configuration.readerCount {
                readers.append(
                    try await SerializedConnection.open(label: "wharf.sqlite.reader.\(index)") {
                        let connection = try SQLiteConnection(path: path, mode: .readOnly, busyTimeout: configuration.busyTimeout)
                        try configuration.prepare?(connection)
                        return connection
                    })
            }
        } catch {
            for reader in readers { await reader.close(checkpoint: false) }
            await writer.close(checkpoint: false)
            throw error
        }
        return Database(
            path: path, writer: writer, readers: ReaderPool(readers: readers), temporaryDirectory: temporaryDirectory)
    }

    /// Creates the file with `mode` before SQLite does (SQLite would use 0644 less the umask).
    /// An existing file keeps its permissions. Failures are left for `sqlite3_open_v2` to report.
    private static func createFileIfMissing(_ path: String, mode: UInt32) {
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode_t(mode))
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Runs `body` on the writer connection inside `BEGIN IMMEDIATE … COMMIT`; rolls back if it
    /// throws. Writes are serialized; `BEGIN IMMEDIATE` waits up to the busy timeout for writers in
    /// other processes.
    /// - Throws: what `body` throws, `SQLiteError` (`SQLiteError.busy` when another process held
    ///   the lock past the timeout), or `CancellationError` if the task is cancelled.
    package func write<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await writer.perform { connection in
            try connection.transaction(.immediate) { try body($0) }
        }
    }

    /// Runs `body` on the writer connection outside any transaction: for PRAGMAs, `VACUUM`, a
    /// checkpoint, or code (such as the migrator) that manages its own transactions. A transaction
    /// left open by `body` is rolled back.
    package func writeWithoutTransaction<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await writer.perform(body)
    }

    /// Runs `body` on a read-only connection inside a deferred transaction, so every query in it
    /// sees the same snapshot, unaffected by writes committed meanwhile. Writes fail with
    /// `SQLiteError.readonly`.
    package func read<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await readers.withReader { reader in
            try await reader.perform { connection in
                try connection.transaction(.deferred) { try body($0) }
            }
        }
    }

    /// ``read(_:)`` for a short lookup (a row or a few by key): when a reader is idle, the query
    /// runs at once on the calling thread instead of on the reader's queue, so the caller neither
    /// suspends nor pays two thread switches; when every reader is busy it waits as `read` does.
    /// On an event loop that keeps a burst of requests from each holding its memory across a
    /// suspension. Not for scans: the calling thread is blocked while it runs, and cancellation
    /// does not interrupt it.
    package func readNow<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        guard let reader = readers.tryAcquire() else { return try await read(body) }
        defer { readers.release(reader) }
        return try reader.performNow { connection in
            try connection.transaction(.deferred) { try body($0) }
        }
    }

    /// Closes the database: stops lending readers, closes them once their current operation ends,
    /// then checkpoints the WAL into the file and closes the writer. Later calls fail with
    /// `SQLiteError.misuse`. Idempotent.
    package func close() async {
        changes.close()
        readers.close()
        for reader in readers.readers {
            await reader.close(checkpoint: false)
        }
        await writer.close(checkpoint: true)
        if let temporaryDirectory {
            for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
            rmdir(temporaryDirectory)
        }
    }
}
