internal import CSQLite

extension Statement {
    /// The number of parameters (`sqlite3_bind_parameter_count`): the largest index in use.
    package var parameterCount: Int { Int(sqlite3_bind_parameter_count(liveHandle)) }

    /// Binds one value to a 1-based parameter index (`sqlite3_bind_*`).
    ///
    /// Text and blobs are bound with `SQLITE_TRANSIENT`, so SQLite copies the bytes before the call
    /// returns. An empty blob is bound with `sqlite3_bind_zeroblob(…, 0)` and empty text with a
    /// non-null pointer, because `sqlite3_bind_blob`/`_text` turn a NULL pointer into SQL `NULL`.
    /// - Throws: `SQLITE_RANGE` for an index the statement does not have.
    package func bind(_ value: SQLiteValue, at index: Int) throws(SQLiteError) {
        let handle = liveHandle
        guard let position = Int32(exactly: index) else {
            throw SQLiteError(code: .range, message: "parameter index \(index) out of range", sql: sql)
        }
        let transient = CSQLite_SQLITE_TRANSIENT()
        let code: Int32
        switch value {
        case .null:
            code = sqlite3_bind_null(handle, position)
        case .integer(let integer):
            code = sqlite3_bind_int64(handle, position, integer)
        case .real(let real):
            code = sqlite3_bind_double(handle, position, real)
        case .text(var text):
            code = text.withUTF8 { bytes in
                guard let base = bytes.baseAddress, bytes.count > 0 else {
                    return sqlite3_bind_text64(handle, position, "", 0, transient, UInt8(SQLITE_UTF8))
                }
                return UnsafeRawPointer(base).withMemoryRebound(to: CChar.self, capacity: bytes.count) { chars in
                    sqlite3_bind_text64(handle, position, chars, UInt64(bytes.count), transient, UInt8(SQLITE_UTF8))
                }
            }
        case .blob(let bytes):
            code = bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress, raw.count > 0 else {
                    return sqlite3_bind_zeroblob(handle, position, 0)
                }
                return sqlite3_bind_blob64(handle, position, base, UInt64(raw.count), transient)
            }
        }
        guard code == SQLITE_OK else { throw error(code) }
    }

    /// Binds a value to a named parameter. `name` may carry its prefix (`:id`, `@id`, `$id`) or
    /// not (`id`, which tries `:id`, `@id` and `$id` in turn).
    /// - Throws: `SQLITE_RANGE` when the statement has no such parameter.
    package func bind(_ value: SQLiteValue, named name: String) throws(SQLiteError) {
        try bind(value, at: try parameterIndex(named: name))
    }

    /// Replaces all arguments with `arguments`, in order.
    /// - Throws: `SQLITE_RANGE` when the count differs from ``parameterCount``, so a forgotten
    ///   argument never silently binds `NULL` (or a cached statement's previous value).
    package func bind(_ arguments: [SQLiteValue]) throws(SQLiteError) {
        let expected = parameterCount
        guard arguments.count == expected else {
            throw SQLiteError(
                code: .range, message: "the statement takes \(expected) argument(s) but \(arguments.count) were given",
                sql: sql)
        }
        for (offset, value) in arguments.enumerated() {
            try bind(value, at: offset + 1)
        }
    }

    /// Replaces all arguments with named values.
    /// - Throws: `SQLITE_RANGE` when a name is unknown or a parameter is left without a value.
    package func bind(_ arguments: [String: SQLiteValue]) throws(SQLiteError) {
        clearBindings()
        var bound = Set<Int>()
        for (name, value) in arguments {
            let index = try parameterIndex(named: name)
            try bind(value, at: index)
            bound.insert(index)
        }
        for index in 1..<(parameterCount + 1) where !bound.contains(index) {
            let name = sqlite3_bind_parameter_name(liveHandle, Int32(index)).map { String(cString: $0) } ?? "?\(index)"
            throw SQLiteError(code: .range, message: "no value given for parameter \(name)", sql: sql)
        }
    }

    /// The 1-based index of a named parameter (`sqlite3_bind_parameter_index`).
    private func parameterIndex(named name: String) throws(SQLiteError) -> Int {
        let handle = liveHandle
        let candidates = name.first.map { ":@$".contains($0) } == true ? [name] : [":" + name, "@" + name, "$" + name]
        for candidate in candidates {
            let index = sqlite3_bind_parameter_index(handle, candidate)
            if index > 0 { return Int(index) }
        }
        throw SQLiteError(code: .range, message: "the statement has no parameter named \(candidates[0])", sql: sql)
    }
}
