import Glibc
import Testing
import WharfDocker

@Suite struct TarWriterTests {
    static func archive(_ entries: [(TarEntry, TarStream.Content)]) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in TarStream(entries) { bytes += chunk }
        return bytes
    }

    /// Lists `bytes` with the system's GNU tar: an independent reader, not our own.
    static func listWithSystemTar(_ bytes: [UInt8]) throws -> [String] {
        let base = "/tmp/wharf-tar-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard let file = fopen(base + ".tar", "w") else { throw TarTestFailure() }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
        defer { unlink(base + ".tar"); unlink(base + ".txt") }
        guard system("tar -tvf \(base).tar > \(base).txt 2>&1") == 0, let out = fopen(base + ".txt", "r") else {
            throw TarTestFailure()
        }
        defer { fclose(out) }
        var lines: [String] = []
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), out) != nil {
            lines.append(String(decoding: line.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return lines
    }

    struct TarTestFailure: Error {}

    @Test func systemTarReadsWhatWeWrite() async throws {
        let longDirectory = String(repeating: "d", count: 120) + "/" + String(repeating: "n", count: 90)
        let veryLong = String(repeating: "x", count: 300)
        let bytes = try await Self.archive([
            (TarEntry.directory("app/"), .bytes([])),
            (TarEntry(name: "app/Dockerfile", size: 5, mode: 0o600), .bytes(Array("FROM\n".utf8))),
            (TarEntry(name: longDirectory, size: 1), .bytes([65])),
            (TarEntry(name: veryLong, size: 600), .stream(DockerByteChunks(Chunks(parts: [[UInt8](repeating: 1, count: 100), [UInt8](repeating: 2, count: 500)])))),
            (TarEntry(name: "ünïcode.txt", size: 0), .bytes([])),
        ])
        #expect(bytes.count % 512 == 0)
        #expect(bytes.suffix(1024).allSatisfy { $0 == 0 })
        let listing = try Self.listWithSystemTar(bytes)
        #expect(listing.count == 5)
        #expect(listing[0].hasPrefix("drwxr-xr-x") && listing[0].hasSuffix(" app/"))
        #expect(listing[1].hasPrefix("-rw-------") && listing[1].contains(" 5 ") && listing[1].hasSuffix(" app/Dockerfile"))
        #expect(listing[2].hasSuffix(" " + longDirectory))
        #expect(listing[3].contains(" 600 ") && listing[3].hasSuffix(" " + veryLong))
        #expect(listing[4].hasSuffix("ünïcode.txt"))
    }

    @Test func lengthIsKnownInAdvance() async throws {
        let stream = TarStream([
            (TarEntry(name: "a", size: 3), .bytes([1, 2, 3])),
            (TarEntry(name: String(repeating: "y", count: 200), size: 512), .bytes([UInt8](repeating: 0, count: 512))),
        ])
        var total = 0
        for try await chunk in stream { total += chunk.count }
        #expect(try stream.length == total)
    }

    @Test func contentThatDoesNotMatchItsSizeIsRefused() async throws {
        await #expect(throws: DockerError.self) {
            _ = try await Self.archive([(TarEntry(name: "short", size: 10), .stream(DockerByteChunks([1, 2, 3])))])
        }
        await #expect(throws: DockerError.self) {
            _ = try await Self.archive([(TarEntry(name: "long", size: 1), .stream(DockerByteChunks([1, 2, 3])))])
        }
        await #expect(throws: DockerError.self) {
            _ = try await Self.archive([(TarEntry(name: "", size: 0), .bytes([]))])
        }
    }

    @Test func headerChecksumIsTheUstarOne() throws {
        let header = try TarWriter.header(for: TarEntry(name: "hello.txt", size: 12, modificationTime: 1_700_000_000))
        #expect(header.count == 512)
        var copy = header
        for index in 148..<156 { copy[index] = 0x20 }
        let sum = copy.reduce(0) { $0 + Int($1) }
        let field = String(decoding: header[148..<154], as: UTF8.self)
        #expect(Int(field, radix: 8) == sum)
        #expect(String(decoding: header[257..<262], as: UTF8.self) == "ustar")
        #expect(String(decoding: header[124..<135], as: UTF8.self) == "00000000014")
    }
}

/// A fixed list of chunks as an async sequence.
struct Chunks: AsyncSequence, Sendable {
    let parts: [[UInt8]]
    func makeAsyncIterator() -> Iterator { Iterator(parts: parts[...]) }
    struct Iterator: AsyncIteratorProtocol {
        var parts: ArraySlice<[UInt8]>
        mutating func next() async -> [UInt8]? { parts.popFirst() }
    }
}
