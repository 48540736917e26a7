/// A Swift type that can be bound as an argument and read back from a column.
///
/// Reading is strict: a value of the wrong storage class is a decoding error rather than a silent
/// conversion (SQLite's own `sqlite3_column_int64` would turn `'abc'` into 0). The one widening
/// allowed is integer → `Double`. `NULL` decodes only into an `Optional`.
///
/// Conform a domain type by mapping it onto one of the existing conformances:
///
/// ```swift
/// extension Role: SQLiteValueConvertible {
///     var sqliteValue: SQLiteValue { .text(rawValue) }
///     static func decode(from value: SQLiteValue) -> Role? {
///         String.decode(from: value).flatMap(Role.init(rawValue:))
///     }
/// }
/// ```
package protocol SQLiteValueConvertible {
    /// The value to bind.
    var sqliteValue: SQLiteValue { get }
    /// The Swift value for a column value, or `nil` when the storage class or range does not fit.
    static func decode(from value: SQLiteValue) -> Self?
}

extension SQLiteValue: SQLiteValueConvertible {
    package var sqliteValue: SQLiteValue { self }
    package static func decode(from value: SQLiteValue) -> SQLiteValue? { value }
}

extension Int64: SQLiteValueConvertible {
    package var sqliteValue: SQLiteValue { .integer(self) }
    package static func decode(from value: SQLiteValue) -> Int64? {
        if case .integer(let integer) = value { integer } else { nil }
    }
}

extension Int: SQLiteValueConvertible {
    package var sqliteValue: SQLiteValue { .integer(Int64(self)) }
    package static func decode(from value: SQLiteValue) -> Int? {
        if case .integer(let integer) = value { Int(exactly: integer) } else { nil }
    }
}

extension Int32: SQLiteValueConvertible {
    package var sqliteValue: SQLiteValue { .integer(Int64(self)) }
    package static func decode(from value: SQLiteValue) -> Int32? {
        if case .integer(let integer) = value { Int32(exactly: integer) } else { nil }
    }
}

extension Double: SQLiteValueConvertible {
    package var sqliteValue: SQLiteValue { .real(self) }
    package static func decode(from value: SQLiteValue) -> Double? {
        switch value {
        case .real(let real): real
        // SQLite stores 2.0 in a REAL column as an integer when it fits; accept it back.
        case .integer(let integer): Double(integer)
        default: nil
        }
    }
}

extension Bool: SQLiteValueConvertible {
    package var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
    package static func decode(from value: SQLiteValue) -> Bool? {
        if case .integer(let integer) = value { integer != 0 } else { nil }
    }
}

extension String: SQLiteValueConvertible {
    package var sqliteValue: SQLiteValue { .text(self) }
    package static func decode(from value: SQLiteValue) -> String? {
        if case .text(let text) = value { text } else { nil }
    }
}

extension Array: SQLiteValueConvertible where Element == UInt8 {
    package var sqliteValue: SQLiteValue { .blob(self) }
    package static func decode(from value: SQLiteValue) -> [UInt8]? {
        if case .blob(let bytes) = value { bytes } else { nil }
    }
}

extension Optional: SQLiteValueConvertible where Wrapped: SQLiteValueConvertible {
    package var sqliteValue: SQLiteValue {
        switch self {
        case .some(let wrapped): wrapped.sqliteValue
        case .none: .null
        }
    }

    /// `NULL` decodes to `.some(nil)`; any other value must decode as `Wrapped`.
    package static func decode(from value: SQLiteValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.decode(from: value).map { .some($0) }
    }
}
