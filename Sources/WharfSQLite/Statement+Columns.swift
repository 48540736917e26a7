internal import CSQLite

/// Column reads for the current row. Valid only after ``Statement/step()`` returned `true`;
/// indexes are 0-based, and an index out of range is a programmer error.
extension Statement {
    /// The number of result columns (`sqlite3_column_count`); 0 for statements returning no data.
    package var columnCount: Int { Int(sqlite3_column_count(liveHandle)) }

    /// The result column names (`sqlite3_column_name`), computed once.
    package var columnNames: [String] {
        if let cachedColumnNames { return cachedColumnNames }
        let names = (0..<columnCount).map { columnName(at: $0) }
        cachedColumnNames = names
        return names
    }

    /// The name of one result column (`sqlite3_column_name`): the `AS` alias when there is one.
    package func columnName(at index: Int) -> String {
        sqlite3_column_name(liveHandle, column(index)).map { String(cString: $0) } ?? ""
    }

    /// Whether the column holds `NULL` (`sqlite3_column_type` is `SQLITE_NULL`).
    package func isNull(at index: Int) -> Bool {
        sqlite3_column_type(liveHandle, column(index)) == SQLITE_NULL
    }

    /// The column as an integer (`sqlite3_column_int64`), with SQLite's conversions: NULL is 0 and
    /// text is parsed as far as it looks like a number. Use ``get(_:as:)`` for strict reads.
    package func int64(at index: Int) -> Int64 {
        sqlite3_column_int64(liveHandle, column(index))
    }

    /// The column as an `Int` (`sqlite3_column_int64`), with SQLite's conversions.
    package func int(at index: Int) -> Int {
        Int(truncatingIfNeeded: int64(at: index))
    }

    /// The column as a double (`sqlite3_column_double`), with SQLite's conversions; NULL is 0.
    package func double(at index: Int) -> Double {
        sqlite3_column_double(liveHandle, column(index))
    }

    /// The column as UTF-8 text (`sqlite3_column_text`, then `sqlite3_column_bytes`, the order
    /// SQLite documents); NULL is the empty string. Embedded NUL characters are kept.
    package func string(at index: Int) -> String {
        let handle = liveHandle
        let position = column(index)
        guard let text = sqlite3_column_text(handle, position) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, position))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// The column as bytes (`sqlite3_column_blob`, then `sqlite3_column_bytes`); NULL and an empty
    /// blob are both `[]` (check ``isNull(at:)`` to tell them apart).
    package func blob(at index: Int) -> [UInt8] {
        let handle = liveHandle
        let position = column(index)
        guard let bytes = sqlite3_column_blob(handle, position) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, position))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// The column as it is stored, without conversion.
    package func value(at index: Int) -> SQLiteValue {
        switch sqlite3_column_type(liveHandle, column(index)) {
        case SQLITE_INTEGER: .integer(int64(at: index))
        case SQLITE_FLOAT: .real(double(at: index))
        case SQLITE_TEXT: .text(string(at: index))
        case SQLITE_BLOB: .blob(blob(at: index))
        default: .null
        }
    }

    /// Decodes the column strictly as `T` (see ``SQLiteValueConvertible``); use an optional `T` for
    /// nullable columns.
    /// - Throws: ``RowDecodingError`` naming the column and the storage class found, not the value.
    package func get<T: SQLiteValueConvertible>(_ index: Int, as type: T.Type = T.self) throws(RowDecodingError) -> T {
        let value = value(at: index)
        guard let decoded = T.decode(from: value) else {
            throw RowDecodingError(column: columnName(at: index), index: index, expected: "\(T.self)", found: value.storageClass)
        }
        return decoded
    }

    /// Copies the current row out of the statement.
    package func row() -> Row {
        Row(columnNames: columnNames, values: (0..<columnCount).map { value(at: $0) })
    }

    private func column(_ index: Int) -> Int32 {
        precondition(index >= 0 && index < columnCount, "column index \(index) out of range 0..<\(columnCount) in: \(sql)")
        return Int32(index)
    }
}
