internal import CSQLite

extension SQLiteError {
    /// A SQLite result code, primary (`SQLITE_BUSY`) or extended (`SQLITE_BUSY_SNAPSHOT`).
    ///
    /// An extended code keeps its primary code in the low byte (see "Result and Error Codes" in the
    /// SQLite documentation), so `primary` is `rawValue & 0xff`. As a pattern, a primary code matches
    /// every extended code of its family, and an extended code matches only itself.
    package struct Code: RawRepresentable, Sendable, Hashable {
        /// The C value, as returned by SQLite calls.
        package let rawValue: Int32

        /// Wraps a result code returned by SQLite.
        package init(rawValue: Int32) { self.rawValue = rawValue }

        /// Builds an extended code the way `sqlite3.h` does (`(SQLITE_BUSY | (2<<8))`); Swift
        /// cannot import those macros because they are expressions.
        private init(_ primary: Int32, _ extended: Int32) { self.rawValue = primary | (extended << 8) }

        /// The primary code of this code's family.
        package var primary: Code { Code(rawValue: rawValue & 0xff) }

        /// Whether this is a primary code (no extended bits).
        package var isPrimary: Bool { rawValue & ~0xff == 0 }

        /// Family-aware matching: a primary pattern matches its whole family.
        package static func ~= (pattern: Code, code: Code) -> Bool {
            pattern.isPrimary ? pattern == code.primary : pattern == code
        }

        /// `SQLITE_ERROR`
        package static let error = Code(rawValue: SQLITE_ERROR)
        /// `SQLITE_INTERNAL`
        package static let `internal` = Code(rawValue: SQLITE_INTERNAL)
        /// `SQLITE_PERM`
        package static let permission = Code(rawValue: SQLITE_PERM)
        /// `SQLITE_ABORT`
        package static let abort = Code(rawValue: SQLITE_ABORT)
        /// `SQLITE_BUSY`
        package static let busy = Code(rawValue: SQLITE_BUSY)
        /// `SQLITE_BUSY_RECOVERY`
        package static let busyRecovery = Code(SQLITE_BUSY, 1)
        /// `SQLITE_BUSY_SNAPSHOT`: a read transaction in WAL mode cannot be upgraded to a write
        /// because another connection wrote since it started (why writes use `BEGIN IMMEDIATE`).
        package static let busySnapshot = Code(SQLITE_BUSY, 2)
        /// `SQLITE_LOCKED`
        package static let locked = Code(rawValue: SQLITE_LOCKED)
        /// `SQLITE_NOMEM`
        package static let noMemory = Code(rawValue: SQLITE_NOMEM)
        /// `SQLITE_READONLY`
        package static let readonly = Code(rawValue: SQLITE_READONLY)
        /// `SQLITE_INTERRUPT`
        package static let interrupt = Code(rawValue: SQLITE_INTERRUPT)
        /// `SQLITE_IOERR`
        package static let ioError = Code(rawValue: SQLITE_IOERR)
        /// `SQLITE_CORRUPT`
        package static let corrupt = Code(rawValue: SQLITE_CORRUPT)
        /// `SQLITE_FULL`
        package static let full = Code(rawValue: SQLITE_FULL)
        /// `SQLITE_CANTOPEN`
        package static let cannotOpen = Code(rawValue: SQLITE_CANTOPEN)
        /// `SQLITE_PROTOCOL`
        package static let `protocol` = Code(rawValue: SQLITE_PROTOCOL)
        /// `SQLITE_SCHEMA`
        package static let schema = Code(rawValue: SQLITE_SCHEMA)
        /// `SQLITE_TOOBIG`
        package static let tooBig = Code(rawValue: SQLITE_TOOBIG)
        /// `SQLITE_CONSTRAINT`
        package static let constraint = Code(rawValue: SQLITE_CONSTRAINT)
        /// `SQLITE_CONSTRAINT_CHECK`
        package static let constraintCheck = Code(SQLITE_CONSTRAINT, 1)
        /// `SQLITE_CONSTRAINT_FOREIGNKEY`
        package static let constraintForeignKey = Code(SQLITE_CONSTRAINT, 3)
        /// `SQLITE_CONSTRAINT_NOTNULL`
        package static let constraintNotNull = Code(SQLITE_CONSTRAINT, 5)
        /// `SQLITE_CONSTRAINT_PRIMARYKEY`
        package static let constraintPrimaryKey = Code(SQLITE_CONSTRAINT, 6)
        /// `SQLITE_CONSTRAINT_TRIGGER`
        package static let constraintTrigger = Code(SQLITE_CONSTRAINT, 7)
        /// `SQLITE_CONSTRAINT_UNIQUE`
        package static let constraintUnique = Code(SQLITE_CONSTRAINT, 8)
        /// `SQLITE_CONSTRAINT_DATATYPE` (a STRICT table column got the wrong type)
        package static let constraintDataType = Code(SQLITE_CONSTRAINT, 12)
        /// `SQLITE_MISMATCH`
        package static let mismatch = Code(rawValue: SQLITE_MISMATCH)
        /// `SQLITE_MISUSE`
        package static let misuse = Code(rawValue: SQLITE_MISUSE)
        /// `SQLITE_AUTH`: an authorizer denied the statement.
        package static let authorization = Code(rawValue: SQLITE_AUTH)
        /// `SQLITE_RANGE`
        package static let range = Code(rawValue: SQLITE_RANGE)
        /// `SQLITE_NOTADB`
        package static let notADatabase = Code(rawValue: SQLITE_NOTADB)
    }
}

extension SQLiteError.Code: CustomStringConvertible {
    /// The C name and number, for example `SQLITE_CONSTRAINT_UNIQUE (2067)`; an extended code
    /// without a name here shows its family and extension, for example `SQLITE_IOERR/4 (1034)`.
    package var description: String {
        let name = Self.names[rawValue] ?? Self.names[primary.rawValue].map { "\($0)/\(rawValue >> 8)" }
        return "\(name ?? "SQLITE_UNKNOWN") (\(rawValue))"
    }

    private static let names: [Int32: String] = [
        SQLITE_ERROR: "SQLITE_ERROR", SQLITE_INTERNAL: "SQLITE_INTERNAL", SQLITE_PERM: "SQLITE_PERM",
        SQLITE_ABORT: "SQLITE_ABORT", SQLITE_BUSY: "SQLITE_BUSY", SQLITE_LOCKED: "SQLITE_LOCKED",
        SQLITE_NOMEM: "SQLITE_NOMEM", SQLITE_READONLY: "SQLITE_READONLY", SQLITE_INTERRUPT: "SQLITE_INTERRUPT",
        SQLITE_IOERR: "SQLITE_IOERR", SQLITE_CORRUPT: "SQLITE_CORRUPT", SQLITE_NOTFOUND: "SQLITE_NOTFOUND",
        SQLITE_FULL: "SQLITE_FULL", SQLITE_CANTOPEN: "SQLITE_CANTOPEN", SQLITE_PROTOCOL: "SQLITE_PROTOCOL",
        SQLITE_EMPTY: "SQLITE_EMPTY", SQLITE_SCHEMA: "SQLITE_SCHEMA", SQLITE_TOOBIG: "SQLITE_TOOBIG",
        SQLITE_CONSTRAINT: "SQLITE_CONSTRAINT", SQLITE_MISMATCH: "SQLITE_MISMATCH", SQLITE_MISUSE: "SQLITE_MISUSE",
        SQLITE_NOLFS: "SQLITE_NOLFS", SQLITE_AUTH: "SQLITE_AUTH", SQLITE_FORMAT: "SQLITE_FORMAT",
        SQLITE_RANGE: "SQLITE_RANGE", SQLITE_NOTADB: "SQLITE_NOTADB",
        busyRecovery.rawValue: "SQLITE_BUSY_RECOVERY", busySnapshot.rawValue: "SQLITE_BUSY_SNAPSHOT",
        constraintCheck.rawValue: "SQLITE_CONSTRAINT_CHECK",
        constraintForeignKey.rawValue: "SQLITE_CONSTRAINT_FOREIGNKEY",
        constraintNotNull.rawValue: "SQLITE_CONSTRAINT_NOTNULL",
        constraintPrimaryKey.rawValue: "SQLITE_CONSTRAINT_PRIMARYKEY",
        constraintTrigger.rawValue: "SQLITE_CONSTRAINT_TRIGGER",
        constraintUnique.rawValue: "SQLITE_CONSTRAINT_UNIQUE",
        constraintDataType.rawValue: "SQLITE_CONSTRAINT_DATATYPE",
    ]
}
