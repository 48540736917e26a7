internal import CSQLite

/// An error reported by SQLite: its extended result code, its message, and the SQL that failed.
///
/// The bound arguments are never part of the error, so it is safe to log: SQLite's own
/// messages name tables, columns and constraints, not values (we never call
/// `sqlite3_expanded_sql`).
///
/// Match a whole family of codes in a `catch` clause or a `switch`; a primary-code pattern
/// matches every extended code of that family:
///
/// ```swift
/// do {
///     try connection.execute("INSERT INTO users(email) VALUES (?)", [.text(email)])
/// } catch SQLiteError.constraintUnique {
///     // exactly SQLITE_CONSTRAINT_UNIQUE
/// } catch SQLiteError.constraint {
///     // any other SQLITE_CONSTRAINT_* code
/// }
/// ```
package struct SQLiteError: Error, Sendable, Hashable {
    /// The extended result code (`sqlite3_extended_errcode`), for example `SQLITE_CONSTRAINT_UNIQUE`.
    package let extendedCode: Code
    /// The English message from `sqlite3_errmsg`, or our own for errors raised by the wrapper.
    package let message: String
    /// The SQL being prepared or run, when there was one. Never the bound values.
    package let sql: String?

    /// The primary result code (the low byte of ``extendedCode``), for example `SQLITE_CONSTRAINT`.
    package var code: Code { extendedCode.primary }

    /// An error with our own message, for failures the wrapper detects before SQLite does.
    package init(code: Code, message: String, sql: String? = nil) {
        self.extendedCode = code
        self.message = message
        self.sql = sql
    }

    /// Builds the error for a failed call on `db`: `code` is the value the call returned, and the
    /// message comes from `sqlite3_errmsg`, which must be read before any other call on `db`.
    init(resultCode: Int32, connection db: OpaquePointer?, sql: String? = nil) {
        let message: String
        if let db, let text = sqlite3_errmsg(db) {
            message = String(cString: text)
        } else if let text = sqlite3_errstr(resultCode) {
            message = String(cString: text)
        } else {
            message = "unknown error"
        }
        self.init(code: Code(rawValue: resultCode), message: message, sql: sql)
    }

    /// Thrown when a `Database` or its connection is used after `close()`.
    static func closed(_ what: String) -> SQLiteError {
        SQLiteError(code: .misuse, message: "\(what) is closed")
    }
}

extension SQLiteError: CustomStringConvertible {
    /// One line for the log, for example
    /// `SQLITE_CONSTRAINT_UNIQUE (2067): UNIQUE constraint failed: users.email [SQL: INSERT INTO users(email) VALUES (?)]`.
    package var description: String {
        var text = "\(extendedCode): \(message)"
        if let sql {
            // Keep the line readable: collapse the whitespace of multi-line SQL.
            let flat = sql.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == " " })
                .joined(separator: " ")
            text += " [SQL: \(flat)]"
        }
        return text
    }
}

// MARK: - Families for pattern matching

extension SQLiteError {
    /// `SQLITE_ERROR`: generic error, such as a syntax error or a missing table.
    package static let error = Code.error
    /// `SQLITE_ABORT`: an operation was aborted, for example by `ROLLBACK`.
    package static let abort = Code.abort
    /// `SQLITE_BUSY`: the database file is locked by another connection and the busy timeout expired.
    package static let busy = Code.busy
    /// `SQLITE_LOCKED`: a conflict within the same connection (or shared cache).
    package static let locked = Code.locked
    /// `SQLITE_READONLY`: an attempt to write to a read-only connection or file.
    package static let readonly = Code.readonly
    /// `SQLITE_INTERRUPT`: the statement was interrupted (`sqlite3_interrupt`, a cancelled task).
    package static let interrupted = Code.interrupt
    /// `SQLITE_IOERR`: the operating system reported an I/O error.
    package static let ioError = Code.ioError
    /// `SQLITE_CORRUPT`: the database file is malformed.
    package static let corrupt = Code.corrupt
    /// `SQLITE_FULL`: the disk is full.
    package static let full = Code.full
    /// `SQLITE_CANTOPEN`: the file could not be opened.
    package static let cannotOpen = Code.cannotOpen
    /// `SQLITE_CONSTRAINT`: any constraint violation (every `SQLITE_CONSTRAINT_*` code matches).
    package static let constraint = Code.constraint
    /// `SQLITE_CONSTRAINT_UNIQUE`.
    package static let constraintUnique = Code.constraintUnique
    /// `SQLITE_CONSTRAINT_PRIMARYKEY`.
    package static let constraintPrimaryKey = Code.constraintPrimaryKey
    /// `SQLITE_CONSTRAINT_FOREIGNKEY`.
    package static let constraintForeignKey = Code.constraintForeignKey
    /// `SQLITE_CONSTRAINT_NOTNULL`.
    package static let constraintNotNull = Code.constraintNotNull
    /// `SQLITE_CONSTRAINT_CHECK`.
    package static let constraintCheck = Code.constraintCheck
    /// `SQLITE_MISUSE`: the API was used wrongly (also raised for a closed database).
    package static let misuse = Code.misuse
    /// `SQLITE_RANGE`: a parameter index or name does not exist, or the argument count is wrong.
    package static let range = Code.range
    /// `SQLITE_NOTADB`: the file is not a database.
    package static let notADatabase = Code.notADatabase
}

extension SQLiteError.Code {
    /// Lets `catch SQLiteError.constraint` match a thrown error by code family.
    package static func ~= (pattern: Self, error: any Error) -> Bool {
        guard let error = error as? SQLiteError else { return false }
        return pattern ~= error.extendedCode
    }

    /// Lets `case SQLiteError.busy:` match an `SQLiteError` value in a `switch`.
    package static func ~= (pattern: Self, error: SQLiteError) -> Bool {
        pattern ~= error.extendedCode
    }
}
