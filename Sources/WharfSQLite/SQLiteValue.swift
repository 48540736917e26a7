/// A value SQLite stores: one of its five storage classes.
///
/// Arguments are always bound as values (`sqlite3_bind_*`), never spliced into SQL text.
/// Literals convert directly, and Swift values through ``SQLiteValueConvertible``:
///
/// ```swift
/// try connection.execute(
///     "INSERT INTO hosts(name, port, note, enabled) VALUES (?, ?, ?, ?)",
///     [.text(name), SQLiteValue(port), nil, true])
/// ```
///
/// There is deliberately no `CustomStringConvertible` beyond the default, and errors never
/// include these values: arguments may be secrets.
package enum SQLiteValue: Sendable, Hashable {
    /// `SQLITE_INTEGER`: a 64-bit signed integer.
    case integer(Int64)
    /// `SQLITE_FLOAT`: an IEEE 754 double.
    case real(Double)
    /// `SQLITE_TEXT`: UTF-8 text.
    case text(String)
    /// `SQLITE_BLOB`: bytes, possibly none.
    case blob([UInt8])
    /// `SQLITE_NULL`.
    case null

    /// Wraps any convertible Swift value; `nil` optionals become `.null`.
    package init(_ value: some SQLiteValueConvertible) {
        self = value.sqliteValue
    }

    /// The storage class, for messages that must not show the value itself.
    package var storageClass: StorageClass {
        switch self {
        case .integer: .integer
        case .real: .real
        case .text: .text
        case .blob: .blob
        case .null: .null
        }
    }

    /// Whether this is `.null`.
    package var isNull: Bool { self == .null }

    /// The name of a storage class, as `typeof()` reports it in SQL.
    package enum StorageClass: String, Sendable, Hashable {
        case integer, real, text, blob, null
    }
}

extension SQLiteValue: ExpressibleByIntegerLiteral {
    package init(integerLiteral value: Int64) { self = .integer(value) }
}

extension SQLiteValue: ExpressibleByFloatLiteral {
    package init(floatLiteral value: Double) { self = .real(value) }
}

extension SQLiteValue: ExpressibleByStringLiteral {
    package init(stringLiteral value: String) { self = .text(value) }
}

extension SQLiteValue: ExpressibleByBooleanLiteral {
    /// Booleans are stored as 0 and 1, as SQLite does for `TRUE` and `FALSE`.
    package init(booleanLiteral value: Bool) { self = .integer(value ? 1 : 0) }
}

extension SQLiteValue: ExpressibleByNilLiteral {
    package init(nilLiteral: ()) { self = .null }
}
