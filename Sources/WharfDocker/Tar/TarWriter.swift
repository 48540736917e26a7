/// Writes POSIX ustar (pax) archive blocks: a 512-byte header per entry, the content padded to 512
/// bytes, and two zero blocks at the end. Used for build contexts and for uploads to containers.
///
/// Names up to 100 bytes go in the header; longer ones are split into `prefix`/`name` at a `/`
/// when they fit, and otherwise carried by a pax extended header (`path` record), as GNU tar does.
package enum TarWriter {
    package static let blockSize = 512

    /// The end-of-archive marker: two zero blocks.
    package static let endOfArchive = [UInt8](repeating: 0, count: 1024)

    /// The header block(s) for `entry`: one ustar header, preceded by a pax header when needed.
    /// - Throws: ``DockerError/invalidRequest(_:)`` for an empty name, a NUL in it, or a negative size.
    package static func header(for entry: TarEntry) throws(DockerError) -> [UInt8] {
        let name = Array(entry.name.utf8)
        guard !name.isEmpty, !name.contains(0) else { throw .invalidRequest("invalid tar entry name \"\(entry.name)\"") }
        guard entry.size >= 0, entry.kind == .file || entry.size == 0 else {
            throw .invalidRequest("invalid tar entry size for \(entry.name)")
        }
        var records: [(String, String)] = []
        var nameField = name
        var prefixField: [UInt8] = []
        if name.count > 100 {
            if let (prefix, rest) = split(name) {
                prefixField = prefix
                nameField = rest
            } else {
                records.append(("path", entry.name))
                nameField = Array(name.suffix(99))
            }
        }
        // An octal size field holds at most 8 GiB - 1; larger sizes go in a pax record.
        let sizeFits = entry.size < 0o77777777777
        if !sizeFits { records.append(("size", String(entry.size))) }

        var out: [UInt8] = []
        if !records.isEmpty {
            let body = paxBody(records)
            out += block(name: Array("PaxHeaders/".utf8) + nameField.suffix(80), prefix: [], mode: 0o644, size: body.count,
                         mtime: entry.modificationTime, type: UInt8(ascii: "x"))
            out += body + padding(forContentOf: body.count)
        }
        out += block(name: nameField, prefix: prefixField, mode: entry.mode, size: sizeFits ? entry.size : 0,
                     mtime: entry.modificationTime, type: entry.kind == .directory ? UInt8(ascii: "5") : UInt8(ascii: "0"))
        return out
    }

    /// Zero bytes that bring content of `size` bytes to a whole number of blocks.
    package static func padding(forContentOf size: Int) -> [UInt8] {
        let remainder = size % blockSize
        return remainder == 0 ? [] : [UInt8](repeating: 0, count: blockSize - remainder)
    }

    /// Splits a long name at a `/` into a prefix of at most 155 bytes and a name of at most 100.
    private static func split(_ name: [UInt8]) -> ([UInt8], [UInt8])? {
        for index in stride(from: min(name.count - 1, 155), to: 0, by: -1) where name[index] == UInt8(ascii: "/") {
            let rest = Array(name[(index + 1)...])
            if rest.count <= 100 && !rest.isEmpty { return (Array(name[..<index]), rest) }
            return nil
        }
        return nil
    }

    /// Pax records `"<length> <key>=<value>\n"`, where the length counts the whole record.
    private static func paxBody(_ records: [(String, String)]) -> [UInt8] {
        var body: [UInt8] = []
        for (key, value) in records {
            let payload = " \(key)=\(value)\n".utf8.count
            var length = payload + String(payload).count
            if String(length).count != String(payload).count { length = payload + String(length).count }
            body += Array("\(length) \(key)=\(value)\n".utf8)
        }
        return body
    }

    private static func block(name: [UInt8], prefix: [UInt8], mode: Int, size: Int, mtime: Int64, type: UInt8) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: blockSize)
        func put(_ bytes: [UInt8], at offset: Int, width: Int) {
            for (index, byte) in bytes.prefix(width).enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int64, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(name, at: 0, width: 100)
        put(octal(Int64(mode), width: 8), at: 100, width: 8)
        put(octal(0, width: 8), at: 108, width: 8)
        put(octal(0, width: 8), at: 116, width: 8)
        put(octal(Int64(size), width: 12), at: 124, width: 12)
        put(octal(max(0, mtime), width: 12), at: 136, width: 12)
        put([UInt8](repeating: UInt8(ascii: " "), count: 8), at: 148, width: 8)
        header[156] = type
        put(Array("ustar\0".utf8), at: 257, width: 6)
        put(Array("00".utf8), at: 263, width: 2)
        put(Array("root".utf8), at: 265, width: 32)
        put(Array("root".utf8), at: 297, width: 32)
        put(prefix, at: 345, width: 155)
        let checksum = header.reduce(0) { $0 + Int($1) }
        put(octal(Int64(checksum), width: 7) + [UInt8(ascii: " ")], at: 148, width: 8)
        return header
    }
}

/// One entry of a tar archive.
package struct TarEntry: Sendable, Equatable {
    package enum Kind: Sendable, Equatable { case file, directory }

    /// The path inside the archive, `/`-separated, relative.
    package var name: String
    package var size: Int
    package var mode: Int
    /// Seconds since the epoch.
    package var modificationTime: Int64
    package var kind: Kind

    package init(name: String, size: Int, mode: Int = 0o644, modificationTime: Int64 = 0, kind: Kind = .file) {
        self.name = name
        self.size = size
        self.mode = mode
        self.modificationTime = modificationTime
        self.kind = kind
    }

    package static func directory(_ name: String, mode: Int = 0o755) -> TarEntry {
        TarEntry(name: name, size: 0, mode: mode, kind: .directory)
    }
}
