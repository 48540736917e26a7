import Foundation
import Testing
import WharfSQLite

/// A fresh directory under the system temporary directory, removed when `body` returns.
@discardableResult
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-sqlite-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

/// A connection on a new database file in a temporary directory.
@discardableResult
func withTemporaryConnection<T>(_ body: (SQLiteConnection) throws -> T) async throws -> T {
    try await withTemporaryDirectory { directory in
        let connection = try SQLiteConnection(path: directory.appendingPathComponent("test.sqlite").path)
        defer { connection.close() }
        return try body(connection)
    }
}

/// A `Database` in its own temporary directory, closed (and removed) when `body` returns.
@discardableResult
func withTemporaryDatabase<T>(
    _ configuration: Database.Configuration = Database.Configuration(), _ body: (Database) async throws -> T
) async throws -> T {
    let database = try await Database.temporary(configuration: configuration)
    do {
        let result = try await body(database)
        await database.close()
        return result
    } catch {
        await database.close()
        throw error
    }
}

/// Expects `body` to throw an `SQLiteError` in the family (or with the exact extended code) `code`.
@discardableResult
func expectSQLiteError(
    _ code: SQLiteError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> SQLiteError? {
    let error = #expect(throws: SQLiteError.self, sourceLocation: sourceLocation) { try body() }
    if let error {
        #expect(code ~= error.extendedCode, "expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return error
}
