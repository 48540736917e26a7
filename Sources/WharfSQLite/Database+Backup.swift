import Glibc

extension Database {
    /// Writes a consistent copy of the database file at `source` to `destination` with
    /// `VACUUM INTO`, while other connections and processes go on writing.
    ///
    /// It runs on a read-only connection of its own, on a queue of its own: `VACUUM INTO` reads
    /// one snapshot (everything committed before it began, nothing after), never takes the write
    /// lock, and the server's writer is not held up. The copy is compacted, has no WAL, and is
    /// created with mode 0600 (it holds password hashes). `destination` must not exist.
    /// - Throws: `SQLiteError` (`SQLITE_CANTOPEN` for a missing source), or `SystemError`-like
    ///   ``SQLiteError`` with the reason when `destination` cannot be created.
    package static func backup(databaseAt source: String, to destination: String) async throws {
        let fd = Glibc.open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SQLiteError(code: .cannotOpen, message: "cannot create \(destination): \(String(cString: strerror(errno)))")
        }
        Glibc.close(fd)
        do {
            let connection = try await SerializedConnection.open(label: "wharf.sqlite.backup") {
                try SQLiteConnection(path: source, mode: .readOnly)
            }
            do {
                try await connection.perform { connection in
                    try connection.execute("VACUUM INTO ?", [.text(destination)])
                }
                await connection.close(checkpoint: false)
            } catch {
                await connection.close(checkpoint: false)
                throw error
            }
            let out = Glibc.open(destination, O_RDONLY | O_CLOEXEC)
            if out >= 0 {
                fsync(out)
                Glibc.close(out)
            }
        } catch {
            unlink(destination)
            throw error
        }
    }

    /// Writes a consistent copy of this database to `destination` (see ``backup(databaseAt:to:)``).
    package func backup(to destination: String) async throws {
        try await Database.backup(databaseAt: path, to: destination)
    }
}
