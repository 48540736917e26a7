/// One schema change: the SQL of a file `migrations/NNNN_name.sql`, applied once, in order.
///
/// Applied migrations are recorded in `schema_migrations` with their checksum; an applied file
/// must never change afterwards (add a new migration instead).
package struct Migration: Sendable, Hashable {
    /// The `NNNN` of the file name, from 1 with no gaps.
    package let version: Int
    /// The `name` of the file name, for example `create_users`.
    package let name: String
    /// The SQL script, run as one transaction together with its bookkeeping row. It must not
    /// contain `BEGIN`, `COMMIT`, `ROLLBACK` or `SAVEPOINT`: the migrator owns the transaction.
    package let sql: String
    /// The checksum of the file's bytes, as computed by the function given to ``Migrator/load(directory:checksum:)``.
    package let checksum: String

    /// Usually made by ``Migrator/load(directory:checksum:)``; tests may build migrations directly.
    package init(version: Int, name: String, sql: String, checksum: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = checksum
    }

    /// The file name, for example `0001_create_users.sql`.
    package var fileName: String {
        Self.paddedVersion(version) + "_" + name + ".sql"
    }

    /// `7` → `"0007"`.
    static func paddedVersion(_ version: Int) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
