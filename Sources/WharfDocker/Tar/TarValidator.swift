/// Checks a tar archive as its bytes stream past, holding at most one header block (and a pax or
/// GNU long-name record): every header's checksum and size fields, entry names (no absolute path,
/// no `..` component, also in hard-link targets), that each entry's content is complete, and that
/// the archive ends with its two zero blocks. Used on uploads before a byte reaches the engine: a
/// caller feeds a chunk, and forwards it only once ``feed(_:)`` returned.
///
/// The format is POSIX ustar with pax extended headers (`x`, `g`) and the GNU long-name records
/// (`L`, `K`) and base-256 sizes, as GNU tar, bsdtar, Go's `archive/tar` and Python's `tarfile`
/// write them. As in Go's reader, a zero block followed by anything but another zero block is an
/// error, and header-only entries (links, devices, directories, FIFOs) carry no content whatever
/// their size field says. Compressed archives (gzip, bzip2, xz, zstd) are refused: they cannot be
/// checked without decompressing them.
package struct TarValidator: Sendable {
    /// Why an archive was refused; `description` says it in words a user can act on.
    package enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case compressed(String)
        case badChecksum(entry: Int, offset: Int64)
        case badHeader(entry: Int, offset: Int64, reason: String)
        case unsafePath(String)
        case truncated(offset: Int64, inEntry: Bool)

        package var description: String {
            switch self {
            case .compressed(let format):
                "The archive is compressed (\(format)); upload an uncompressed .tar (Wharf checks every entry before the engine sees it)."
            case .badChecksum(let entry, let offset):
                "This is not a tar archive: the header of entry \(entry + 1) (at byte \(offset)) has a wrong checksum."
            case .badHeader(let entry, let offset, let reason):
                "This is not a valid tar archive: the header of entry \(entry + 1) (at byte \(offset)) \(reason)."
            case .unsafePath(let name):
                "The archive holds \"\(name)\", an absolute path or one with \"..\"; such entries are refused."
            case .truncated(let offset, let inEntry):
                inEntry
                    ? "The archive is cut off at byte \(offset), in the middle of an entry."
                    : "The archive ends at byte \(offset) without its end-of-archive blocks: it was cut off."
            }
        }
    }

    private enum State: Sendable {
        /// Collecting a 512-byte header block.
        case header
        /// Skipping `remaining` bytes of content and padding.
        case content(remaining: Int64)
        /// Collecting the content of a pax (`x`) or GNU long-name (`L`, `K`) entry, then its padding.
        case extended(kind: UInt8, remaining: Int64, padding: Int64)
        /// After the end-of-archive blocks: anything further is ignored, as the engine ignores it.
        case end
    }

    static let blockSize = 512
    /// The largest pax or long-name record accepted (GNU tar writes a few hundred bytes).
    static let maxExtendedBytes: Int64 = 1 << 20

    private var state = State.header
    private var block: [UInt8] = []
    private var extended: [UInt8] = []
    private var zeroBlocks = 0
    private var pendingPath: String?
    private var pendingLink: String?
    /// Bytes accepted so far.
    package private(set) var offset: Int64 = 0
    /// Entries whose header was accepted (pax and long-name records not counted).
    package private(set) var entries = 0
    /// Whether the first header block has been checked (the archive is then known to be tar).
    package private(set) var checkedFirstHeader = false

    package init() {}

    /// Whether the end-of-archive blocks have been seen.
    package var isComplete: Bool {
        if case .end = state { return true }
        return false
    }

    /// Checks the next bytes of the archive. - Throws: ``Failure`` at the first problem; nothing
    /// is accepted after a failure.
    package mutating func feed(_ bytes: [UInt8]) throws(Failure) {
        var index = 0
        while index < bytes.count {
            switch state {
            case .end:
                offset += Int64(bytes.count - index)
                return
            case .content(let remaining):
                let take = Int(min(remaining, Int64(bytes.count - index)))
                index += take
                offset += Int64(take)
                state = remaining == Int64(take) ? .header : .content(remaining: remaining - Int64(take))
            case .extended(let kind, let remaining, let padding):
                if remaining > 0 {
                    let take = Int(min(remaining, Int64(bytes.count - index)))
                    extended.append(contentsOf: bytes[index..<(index + take)])
                    index += take
                    offset += Int64(take)
                    state = .extended(kind: kind, remaining: remaining - Int64(take), padding: padding)
                } else if padding > 0 {
                    let take = Int(min(padding, Int64(bytes.count - index)))
                    index += take
                    offset += Int64(take)
                    state = .extended(kind: kind, remaining: 0, padding: padding - Int64(take))
                }
                if case .extended(_, 0, 0) = state { try finishExtended(kind) }
            case .header:
                let take = min(Self.blockSize - block.count, bytes.count - index)
                block.append(contentsOf: bytes[index..<(index + take)])
                index += take
                if block.count == Self.blockSize {
                    let start = offset - Int64(block.count - take)
                    offset += Int64(take)
                    try headerComplete(at: start)
                    block.removeAll(keepingCapacity: true)
                } else {
                    offset += Int64(take)
                }
            }
        }
    }

    /// Called when the input ends. - Throws: ``Failure/truncated(offset:inEntry:)`` unless the
    /// end-of-archive blocks were seen; ``Failure/compressed(_:)`` for a short compressed file.
    package func finish() throws(Failure) {
        switch state {
        case .end: return
        case .header:
            if offset == Int64(block.count), let format = Self.compression(block[...]) { throw .compressed(format) }
            if offset == 0 { throw .badHeader(entry: 0, offset: 0, reason: "is missing: the upload is empty") }
            throw .truncated(offset: offset, inEntry: !block.isEmpty)
        case .content, .extended:
            throw .truncated(offset: offset, inEntry: true)
        }
    }

    /// The compression format whose magic number `prefix` starts with (enough bytes to tell).
    static func compression(_ prefix: ArraySlice<UInt8>) -> String? {
        let magic: [(String, [UInt8])] = [
            ("gzip", [0x1F, 0x8B]), ("bzip2", [0x42, 0x5A, 0x68]), ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]),
            ("zstd", [0x28, 0xB5, 0x2F, 0xFD]),
        ]
        for (name, bytes) in magic where prefix.count >= bytes.count && prefix.prefix(bytes.count).elementsEqual(bytes) {
            return name
        }
        return nil
    }

    private mutating func headerComplete(at start: Int64) throws(Failure) {
        checkedFirstHeader = true
        if start == 0, let format = Self.compression(block[...]) { throw .compressed(format) }
        if block.allSatisfy({ $0 == 0 }) {
            zeroBlocks += 1
            if zeroBlocks == 2 { state = .end }
            return
        }
        guard zeroBlocks == 0 else {
            throw .badHeader(entry: entries, offset: start, reason: "follows a single zero block (an archive ends with two)")
        }
        guard let stored = Self.octal(block[148..<156]) else { throw .badChecksum(entry: entries, offset: start) }
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (index, byte) in block.enumerated() {
            let value = (148..<156).contains(index) ? 0x20 : byte
            unsigned += Int64(value)
            signed += Int64(Int8(bitPattern: value))
        }
        guard stored == unsigned || stored == signed else { throw .badChecksum(entry: entries, offset: start) }
        let size = try Self.size(block[124..<136], entry: entries, offset: start)
        let type = block[156]
        switch type {
        case UInt8(ascii: "x"), UInt8(ascii: "L"), UInt8(ascii: "K"):
            guard size <= Self.maxExtendedBytes else {
                throw .badHeader(entry: entries, offset: start, reason: "announces an extended record of \(size) bytes")
            }
            extended.removeAll(keepingCapacity: true)
            state = .extended(kind: type, remaining: size, padding: Self.padding(size))
            if size == 0 { try finishExtended(type) }
            return
        case UInt8(ascii: "g"):
            // A global pax header applies to the rest of the archive; Docker ignores what it can
            // set (times, owners). Skip it like content.
            state = size + Self.padding(size) > 0 ? .content(remaining: size + Self.padding(size)) : .header
            return
        default:
            break
        }
        let name = pendingPath ?? Self.name(block)
        let link = pendingLink ?? Self.text(block[157..<257])
        pendingPath = nil
        pendingLink = nil
        guard !name.isEmpty else { throw .badHeader(entry: entries, offset: start, reason: "has an empty name") }
        if Self.isUnsafe(name) { throw .unsafePath(name) }
        if type == UInt8(ascii: "1"), Self.isUnsafe(link) { throw .unsafePath(link) }
        entries += 1
        // Header-only types carry no content whatever their size field says (as Go's reader).
        let headerOnly: Set<UInt8> = [0x31, 0x32, 0x33, 0x34, 0x35, 0x36]
        let length = headerOnly.contains(type) ? 0 : size + Self.padding(size)
        state = length > 0 ? .content(remaining: length) : .header
    }

    private mutating func finishExtended(_ kind: UInt8) throws(Failure) {
        state = .header
        if kind == UInt8(ascii: "x") {
            guard let records = Self.paxRecords(extended) else {
                throw .badHeader(entry: entries, offset: offset, reason: "has a malformed pax extended header")
            }
            if let path = records["path"] { pendingPath = path }
            if let link = records["linkpath"] { pendingLink = link }
        } else {
            let text = Self.text(extended[...])
            if kind == UInt8(ascii: "L") { pendingPath = text } else { pendingLink = text }
        }
        extended.removeAll(keepingCapacity: true)
    }

    /// `name` in the header, with the ustar `prefix` in front when the magic says POSIX ustar.
    private static func name(_ block: [UInt8]) -> String {
        let name = text(block[0..<100])
        let posix = block[257..<263].elementsEqual(Array("ustar\0".utf8))
        guard posix else { return name }
        let prefix = text(block[345..<500])
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    /// Bytes up to the first NUL, as UTF-8.
    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Whether extracting `path` could write outside the destination.
    static func isUnsafe(_ path: String) -> Bool {
        if path.hasPrefix("/") { return true }
        return path.split(separator: "/").contains("..")
    }

    private static func padding(_ size: Int64) -> Int64 {
        let remainder = size % Int64(blockSize)
        return remainder == 0 ? 0 : Int64(blockSize) - remainder
    }

    /// An octal field: optional leading spaces or NULs, digits, then NUL or space or the end.
    static func octal(_ field: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        var digits = 0
        var ended = false
        for byte in field {
            if ended {
                guard byte == 0 || byte == 0x20 else { return nil }
                continue
            }
            switch byte {
            case 0x30...0x37:
                guard value < Int64.max >> 3 else { return nil }
                value = value << 3 | Int64(byte - 0x30)
                digits += 1
            case 0, 0x20:
                if digits > 0 { ended = true }
            default:
                return nil
            }
        }
        return digits > 0 ? value : nil
    }

    /// The size field: octal, or GNU base-256 (high bit of the first byte set) for sizes of 8 GiB
    /// and more.
    private static func size(_ field: ArraySlice<UInt8>, entry: Int, offset: Int64) throws(Failure) -> Int64 {
        guard let first = field.first else { throw .badHeader(entry: entry, offset: offset, reason: "has no size") }
        if first & 0x80 != 0 {
            guard first == 0x80 else { throw .badHeader(entry: entry, offset: offset, reason: "has a negative or huge size") }
            var value: Int64 = 0
            for byte in field.dropFirst() {
                guard value < Int64.max >> 8 else { throw .badHeader(entry: entry, offset: offset, reason: "has a huge size") }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        if field.allSatisfy({ $0 == 0 }) { return 0 }
        guard let value = octal(field) else { throw .badHeader(entry: entry, offset: offset, reason: "has an unreadable size") }
        return value
    }

    /// Pax records `"<length> <key>=<value>\n"`; nil when malformed.
    static func paxRecords(_ bytes: [UInt8]) -> [String: String]? {
        var records: [String: String] = [:]
        var index = 0
        while index < bytes.count {
            guard let space = bytes[index...].firstIndex(of: 0x20),
                  let length = Int(String(decoding: bytes[index..<space], as: UTF8.self)), length > space - index,
                  index + length <= bytes.count, bytes[index + length - 1] == 0x0A
            else { return nil }
            let record = bytes[(space + 1)..<(index + length - 1)]
            guard let equals = record.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            records[String(decoding: record[..<equals], as: UTF8.self)] = String(decoding: record[(equals + 1)...], as: UTF8.self)
            index += length
        }
        return records
    }
}
