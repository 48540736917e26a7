package import FoundationEssentials

extension Migrator {
    /// Reads the migrations in `directory`: every file named `NNNN_name.sql`, sorted by version.
    ///
    /// Other files (a README, editor backups, hidden files) are ignored, but a `.sql` file with any
    /// other name is an error, so a misnamed migration is never silently skipped.
    /// - Parameter checksum: computes the recorded checksum of a file's bytes; the application
    ///   passes SHA-256 (hex) from its crypto target. It must be deterministic.
    /// - Throws: ``MigrationError`` for an unreadable directory or file, a bad name, a duplicate
    ///   version, or a gap.
    package static func load(directory: URL, checksum: ([UInt8]) throws -> String) throws -> [Migration] {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError.unreadableDirectory(path: directory.path, reason: String(describing: error))
        }
        var files: [(name: String, contents: [UInt8])] = []
        for entry in entries.sorted() where entry.lowercased().hasSuffix(".sql") && !entry.hasPrefix(".") {
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(entry).path) else {
                throw MigrationError.unreadableFile(file: entry, reason: "the file could not be opened")
            }
            files.append((entry, [UInt8](data)))
        }
        return try migrations(files: files, checksum: checksum)
    }

    /// Builds migrations from file names and contents (the part of ``load(directory:checksum:)``
    /// that does not touch the file system).
    package static func migrations(
        files: [(name: String, contents: [UInt8])], checksum: ([UInt8]) throws -> String
    ) throws -> [Migration] {
        var migrations: [Migration] = []
        for file in files {
            guard let (version, name) = parseFileName(file.name) else {
                throw MigrationError.invalidFileName(file.name)
            }
            guard let sql = String(validating: file.contents, as: UTF8.self) else {
                throw MigrationError.unreadableFile(file: file.name, reason: "it is not valid UTF-8")
            }
            migrations.append(Migration(version: version, name: name, sql: sql, checksum: try checksum(file.contents)))
        }
        try checkSequence(migrations.map { ($0.version, $0.fileName) })
        return migrations.sorted { $0.version < $1.version }
    }

    /// `0007_add_hosts.sql` → `(7, "add_hosts")`: four ASCII digits, an underscore, then lowercase
    /// letters, digits and underscores, then `.sql`. Version 0 is not allowed.
    static func parseFileName(_ fileName: String) -> (version: Int, name: String)? {
        let bytes = Array(fileName.utf8)
        guard bytes.count > 9, fileName.hasSuffix(".sql"), bytes[4] == UInt8(ascii: "_") else { return nil }
        let digits = bytes[0..<4]
        let name = bytes[5..<(bytes.count - 4)]
        guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            name.allSatisfy({
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || $0 == UInt8(ascii: "_")
            }),
            let version = Int(String(decoding: digits, as: UTF8.self)), version > 0
        else { return nil }
        return (version, String(decoding: name, as: UTF8.self))
    }
}
