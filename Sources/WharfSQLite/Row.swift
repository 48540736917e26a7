/// One result row, copied out of a statement so it can outlive the next `sqlite3_step`.
///
/// Read columns by index or by name, either as raw ``SQLiteValue``s or decoded strictly:
///
/// ```swift
/// let email: String = try row.get("email")
/// let lastLogin = try row.get("last_login_at", as: String?.self)
/// ```
package struct Row: Sendable, Hashable {
    /// The column names, in result order (`sqlite3_column_name`).
    package let columnNames: [String]
    /// The column values, in result order.
    package let values: [SQLiteValue]

    /// A row with one name per value (usually made by ``Statement/row()``).
    package init(columnNames: [String], values: [SQLiteValue]) {
        precondition(columnNames.count == values.count, "a row needs one name per value")
        self.columnNames = columnNames
        self.values = values
    }

    /// The number of columns.
    package var count: Int { values.count }

    /// The value at a 0-based column index. An index out of range is a programmer error.
    package subscript(index: Int) -> SQLiteValue {
        precondition(values.indices.contains(index), "column index \(index) out of range 0..<\(values.count)")
        return values[index]
    }

    /// The value of the named column, or `nil` when the result has no such column.
    /// Names match exactly first, then ignoring ASCII case, as SQLite treats identifiers.
    package subscript(name: String) -> SQLiteValue? {
        index(ofColumn: name).map { values[$0] }
    }

    /// The 0-based index of the named column, or `nil`.
    package func index(ofColumn name: String) -> Int? {
        if let exact = columnNames.firstIndex(of: name) { return exact }
        let folded = name.lowercased()
        return columnNames.firstIndex { $0.lowercased() == folded }
    }

    /// Whether the column at `index` is `NULL`.
    package func isNull(_ index: Int) -> Bool { self[index] == .null }

    /// Decodes the column at a 0-based index.
    /// - Throws: ``RowDecodingError`` when the value is `NULL` for a non-optional type, or of
    ///   another storage class. The error names the column and the storage class, never the value.
    package func get<T: SQLiteValueConvertible>(_ index: Int, as type: T.Type = T.self) throws(RowDecodingError) -> T {
        let value = self[index]
        guard let decoded = T.decode(from: value) else {
            throw RowDecodingError(column: columnNames[index], index: index, expected: "\(T.self)", found: value.storageClass)
        }
        return decoded
    }

    /// Decodes the named column.
    /// - Throws: ``RowDecodingError`` when there is no such column or the value does not fit `T`.
    package func get<T: SQLiteValueConvertible>(_ column: String, as type: T.Type = T.self) throws(RowDecodingError) -> T {
        guard let index = index(ofColumn: column) else {
            throw RowDecodingError(column: column, index: nil, expected: "\(T.self)", found: nil)
        }
        return try get(index, as: type)
    }
}

/// A column could not be read as the requested Swift type.
///
/// Carries the column, the expected type and the storage class found; never the value itself.
package struct RowDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The column name as requested or as reported by SQLite.
    package let column: String
    /// The 0-based column index, or `nil` when no column has that name.
    package let index: Int?
    /// The Swift type asked for.
    package let expected: String
    /// The storage class found, or `nil` when the column is missing.
    package let found: SQLiteValue.StorageClass?

    package var description: String {
        guard let found else { return "no column named \"\(column)\" in the result" }
        return "column \"\(column)\" holds \(found == .null ? "NULL" : "a \(found.rawValue) value"), "
            + "which cannot be read as \(expected)"
    }
}
