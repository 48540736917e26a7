import Glibc
import Testing
import WharfDocker
import WharfTestSupport

/// A 1 GiB build context streams through bounded buffers: generated on the fly, written chunk by
/// chunk as the engine takes it, with the process's resident memory staying flat.
@Suite struct BigBuildContextTests {
    static let contextBytes = 1 << 30
    static let chunkBytes = 256 * 1024

    @Test(.timeLimit(.minutes(2)))
    func oneGiBContextStreamsWithFlatMemory() async throws {
        let client = try Fleet.engineA()
        _ = try await client.ping()
        let baseline = try Self.residentBytes()
        let peak = PeakMemory(baseline)
        let dockerfile = "FROM \(try Fleet.busybox())\nLABEL wharf.test.run=\(Fleet.runID)\n"
        let payload = GeneratedBytes(total: Self.contextBytes, chunk: Self.chunkBytes, peak: peak)
        let context = TarStream([
            (TarEntry(name: "Dockerfile", size: dockerfile.utf8.count), .bytes(Array(dockerfile.utf8))),
            (TarEntry(name: "big.bin", size: Self.contextBytes), .stream(DockerByteChunks(payload))),
        ])
        var options = DockerBuildOptions()
        options.networkMode = "none"
        options.labels = Fleet.label
        let started = ContinuousClock.now
        let messages = try await client.buildImage(context: DockerByteChunks(context), options: options).collect()
        let elapsed = ContinuousClock.now - started
        let ids = messages.compactMap { $0.aux?["ID"]?.stringValue }
        let id = try #require(ids.first, "no image id in \(messages.compactMap(\.stream))")
        _ = try? await client.removeImage(id, force: true)
        #expect(payload.produced.value == Self.contextBytes)
        let growth = peak.value - baseline
        #expect(growth < 64 << 20, "RSS grew by \(growth >> 20) MiB while streaming 1 GiB (in \(elapsed))")
    }

    /// `VmRSS` from `/proc/self/status`, in bytes.
    static func residentBytes() throws -> Int {
        guard let file = fopen("/proc/self/status", "r") else { throw DockerError.invalidRequest("cannot read /proc/self/status") }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("VmRSS:") {
                let digits = text.filter(\.isNumber)
                return (Int(digits) ?? 0) * 1024
            }
        }
        return 0
    }
}

/// The highest RSS seen while the context was produced.
final class PeakMemory: Sendable {
    private let peak: Locked<Int>
    init(_ start: Int) { peak = Locked(start) }
    var value: Int { peak.value }
    func sample() {
        let now = (try? BigBuildContextTests.residentBytes()) ?? 0
        peak.withLock { $0 = max($0, now) }
    }
}

/// `total` bytes in `chunk`-sized pieces, made on demand (never from disk, never held whole).
struct GeneratedBytes: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let total: Int
    let chunk: Int
    let peak: PeakMemory
    let produced = Locked(0)
    /// `pattern[i] == UInt8(i & 0xff)`, one chunk plus 256 bytes long.
    let pattern: [UInt8]

    init(total: Int, chunk: Int, peak: PeakMemory) {
        self.total = total
        self.chunk = chunk
        self.peak = peak
        pattern = (0..<(chunk + 256)).map { UInt8(truncatingIfNeeded: $0) }
    }

    func makeAsyncIterator() -> Iterator { Iterator(sequence: self) }

    struct Iterator: AsyncIteratorProtocol {
        let sequence: GeneratedBytes
        var offset = 0

        mutating func next() async -> [UInt8]? {
            guard offset < sequence.total else { return nil }
            let size = Swift.min(sequence.chunk, sequence.total - offset)
            // A fresh array each time, as a real producer would read into, with a varying pattern:
            // a copy out of one precomputed table, so making 1 GiB costs memcpy, not a debug-build
            // loop over every byte that would hold a thread of the shared pool for seconds.
            let seed = (offset / sequence.chunk) & 0xff
            let bytes = Array(sequence.pattern[seed..<(seed + size)])
            offset += size
            sequence.produced.withLock { $0 += size }
            if offset % (64 << 20) == 0 { sequence.peak.sample() }
            return bytes
        }
    }
}
