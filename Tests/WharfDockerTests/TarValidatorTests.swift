import Glibc
import Testing
import WharfDocker

/// The upload checker: archives written by our writer and by GNU tar pass at every split point;
/// each kind of damage is refused at the header that carries it, never earlier.
@Suite struct TarValidatorTests {
    /// Feeds `bytes` in the given pieces; the failure, or nil when accepted and complete.
    static func check(_ bytes: [UInt8], splits: [Int] = []) -> TarValidator.Failure? {
        var validator = TarValidator()
        var start = 0
        do {
            for split in splits.sorted() + [bytes.count] where split >= start {
                try validator.feed(Array(bytes[start..<split]))
                start = split
            }
            try validator.finish()
            return nil
        } catch {
            return error
        }
    }

    static func archive() async throws -> [UInt8] {
        try await TarWriterTests.archive([
            (TarEntry.directory("app/"), .bytes([])),
            (TarEntry(name: "app/Dockerfile", size: 12), .bytes(Array("FROM scratch".utf8))),
            (TarEntry(name: String(repeating: "d", count: 120) + "/" + String(repeating: "n", count: 90), size: 700), .bytes([UInt8](repeating: 7, count: 700))),
            (TarEntry(name: String(repeating: "x", count: 300), size: 1), .bytes([1])),
            (TarEntry(name: "empty", size: 0), .bytes([])),
        ])
    }

    /// A header block like TarWriter's with `name`, `type` and `size`, then content and padding.
    static func entry(_ name: String, type: UInt8 = UInt8(ascii: "0"), link: String = "", content: [UInt8] = []) throws -> [UInt8] {
        var header = try TarWriter.header(for: TarEntry(name: "placeholder", size: content.count))
        header.replaceSubrange(0..<100, with: Array(name.utf8).prefix(100) + [UInt8](repeating: 0, count: 100 - min(100, name.utf8.count)))
        header.replaceSubrange(157..<257, with: Array(link.utf8).prefix(100) + [UInt8](repeating: 0, count: 100 - min(100, link.utf8.count)))
        header[156] = type
        resum(&header)
        return header + content + TarWriter.padding(forContentOf: content.count)
    }

    /// `"<length> key=value\n"`, the length counting itself.
    static func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        let payload = " \(key)=\(value)\n".utf8.count
        var length = payload + String(payload).count
        if String(length).count != String(payload).count { length = payload + String(length).count }
        return Array("\(length) \(key)=\(value)\n".utf8)
    }

    static func resum(_ header: inout [UInt8]) {
        for index in 148..<156 { header[index] = 0x20 }
        let digits = Array(String(header[0..<512].reduce(0) { $0 + Int($1) }, radix: 8).utf8)
        let field = [UInt8](repeating: 0x30, count: 6 - digits.count) + digits + [0, 0x20]
        header.replaceSubrange(148..<156, with: field)
    }

    @Test func acceptsOurArchivesAtEverySplitPoint() async throws {
        let bytes = try await Self.archive()
        #expect(Self.check(bytes) == nil)
        for split in 0...bytes.count { #expect(Self.check(bytes, splits: [split]) == nil, "split at \(split)") }
        #expect(Self.check(bytes, splits: Array(0..<bytes.count)) == nil, "byte by byte")
        for _ in 0..<50 {
            let splits = (0..<Int.random(in: 1...20)).map { _ in Int.random(in: 0...bytes.count) }
            #expect(Self.check(bytes, splits: splits) == nil, "random splits \(splits)")
        }
        var validator = TarValidator()
        try validator.feed(bytes)
        #expect(validator.entries == 5 && validator.isComplete)
    }

    @Test func acceptsGNUTarArchivesWithLongNamesLinksAndTrailingRecordPadding() throws {
        let base = "/tmp/wharf-tarvalidator-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let long = String(repeating: "l", count: 150)
        let script = "mkdir -p \(base)/ctx/\(long) && echo hi > \(base)/ctx/\(long)/\(long) && ln -s /etc/passwd \(base)/ctx/abs-link"
            + " && ln \(base)/ctx/\(long)/\(long) \(base)/ctx/hard && tar --format=gnu -C \(base)/ctx -cf \(base)/gnu.tar ."
            + " && tar --format=posix -C \(base)/ctx -cf \(base)/pax.tar ."
        #expect(system(script) == 0)
        defer { _ = system("rm -rf \(base)") }
        for name in ["gnu", "pax"] {
            let bytes = try Self.read("\(base)/\(name).tar")
            #expect(bytes.count % 10240 == 0, "tar pads to whole records")
            #expect(Self.check(bytes) == nil, "\(name)")
            #expect(Self.check(bytes, splits: Array(stride(from: 0, to: bytes.count, by: 7))) == nil, "\(name) in 7-byte pieces")
        }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "r") else { throw TarWriterTests.TarTestFailure() }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes
    }

    @Test func aBadChecksumIsRefusedAtItsHeaderNotBefore() async throws {
        var bytes = try await Self.archive()
        let second = 512  // the Dockerfile's header follows the directory's
        bytes[second + 5] ^= 0x01
        var validator = TarValidator()
        try validator.feed(Array(bytes[0..<second + 511]))
        #expect(throws: TarValidator.Failure.badChecksum(entry: 1, offset: 512)) { try validator.feed([bytes[second + 511]]) }
        #expect(Self.check(bytes, splits: [700]) == .badChecksum(entry: 1, offset: 512))
    }

    @Test func notTarAtAll() {
        let text = Array(String(repeating: "FROM busybox\nRUN echo hello\n", count: 40).utf8)
        #expect(Self.check(text) == .badChecksum(entry: 0, offset: 0), "letters where the checksum belongs")
        #expect(Self.check([]) == .badHeader(entry: 0, offset: 0, reason: "is missing: the upload is empty"))
        #expect(Self.check([0x1F, 0x8B, 8, 0] + [UInt8](repeating: 0, count: 600)) == .compressed("gzip"))
        #expect(Self.check([0x1F, 0x8B, 8]) == .compressed("gzip"), "a short compressed file")
        #expect(Self.check(Array("BZh91AY".utf8) + [UInt8](repeating: 0, count: 600)) == .compressed("bzip2"))
        let random = (0..<2048).map { _ in UInt8.random(in: 1...255) }
        #expect(Self.check(random).map { if case .badChecksum = $0 { true } else if case .badHeader = $0 { true } else { false } } == true)
    }

    @Test func cutOffArchivesAreTruncated() async throws {
        let bytes = try await Self.archive()
        #expect(Self.check(Array(bytes[0..<700])) == .truncated(offset: 700, inEntry: true), "in a header")
        #expect(Self.check(Array(bytes[0..<(1024 + 100)])) == .truncated(offset: 1124, inEntry: true), "in content")
        let withoutEnd = Array(bytes.dropLast(1024))
        #expect(Self.check(withoutEnd) == .truncated(offset: Int64(withoutEnd.count), inEntry: false), "no end blocks")
        #expect(Self.check(Array(bytes.dropLast(512))) == .truncated(offset: Int64(bytes.count - 512), inEntry: false), "one end block")
    }

    @Test func unsafeNamesAreRefused() throws {
        let end = TarWriter.endOfArchive
        #expect(Self.check(try Self.entry("/etc/passwd", content: [1]) + end) == .unsafePath("/etc/passwd"))
        #expect(Self.check(try Self.entry("a/../../x", content: [1]) + end) == .unsafePath("a/../../x"))
        #expect(Self.check(try Self.entry("..", type: UInt8(ascii: "5")) + end) == .unsafePath(".."))
        #expect(Self.check(try Self.entry("link", type: UInt8(ascii: "1"), link: "../outside") + end) == .unsafePath("../outside"))
        #expect(Self.check(try Self.entry("ok/..x/y..", content: [1]) + end) == nil, "dots inside names are fine")
        #expect(Self.check(try Self.entry("sym", type: UInt8(ascii: "2"), link: "/etc/passwd") + end) == nil, "symlinks may point anywhere")
        let pax = Self.paxRecord("path", "../../escape/passwd")
        #expect(Self.check(try Self.entry("PaxHeaders/x", type: UInt8(ascii: "x"), content: pax) + (try Self.entry("innocent", content: [1])) + end)
            == .unsafePath("../../escape/passwd"), "a pax path record counts, not the ustar name")
        let gnu = Array("/root/.ssh/authorized_keys\0".utf8)
        #expect(Self.check(try Self.entry("././@LongLink", type: UInt8(ascii: "L"), content: gnu) + (try Self.entry("innocent", content: [1])) + end)
            == .unsafePath("/root/.ssh/authorized_keys"))
    }

    @Test func structuralDamage() throws {
        let end = TarWriter.endOfArchive
        let good = try Self.entry("a", content: [1, 2, 3])
        #expect(Self.check(good + [UInt8](repeating: 0, count: 512) + good + end)
            == .badHeader(entry: 1, offset: 1536, reason: "follows a single zero block (an archive ends with two)"))
        var badSize = try Self.entry("a", content: [1])
        badSize.replaceSubrange(124..<136, with: Array("12x45678901\0".utf8))
        Self.resum(&badSize)
        #expect(Self.check(badSize + end) == .badHeader(entry: 0, offset: 0, reason: "has an unreadable size"))
        var huge = try Self.entry("PaxHeaders/x", type: UInt8(ascii: "x"))
        huge.replaceSubrange(124..<136, with: Array("77777777777\0".utf8))
        Self.resum(&huge)
        #expect(Self.check(huge + end) == .badHeader(entry: 0, offset: 0, reason: "announces an extended record of 8589934591 bytes"))
        #expect(Self.check(try Self.entry("PaxHeaders/x", type: UInt8(ascii: "x"), content: Array("garbage".utf8)) + end)
            == .badHeader(entry: 0, offset: 1024, reason: "has a malformed pax extended header"))
        // Base-256 sizes (GNU, for entries of 8 GiB and more) are read; here a small one.
        var binary = try Self.entry("big", content: [9, 9])
        binary.replaceSubrange(124..<136, with: [0x80] + [UInt8](repeating: 0, count: 10) + [2])
        Self.resum(&binary)
        #expect(Self.check(binary + end) == nil)
        // After the end blocks, anything (GNU's record padding, or junk) is ignored.
        #expect(Self.check(good + end + Array("trailing".utf8)) == nil)
    }
}
