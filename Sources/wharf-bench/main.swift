import Glibc
import WharfDocker
import WharfIO
import WharfTLS

/// `wharf-bench`: the Docker-client half of `deploy/bench/run.sh docker`. It drives WharfDocker,
/// the client the panel uses, against a real engine and prints figures on one line each, for the
/// script to set beside curl's. Not installed, not part of the panel.
let usage = """
    Usage:
      wharf-bench latency --url URL [TLS] --path PATH --count N   warm requests on one pooled connection;
                                                                  prints p50_ms p99_ms mean_ms
      wharf-bench build --url URL [TLS] --image IMG --bytes N     streams a generated build context of N bytes;
                                                                  prints seconds mib_per_s rss_start_kib rss_peak_kib
      wharf-bench tar --image IMG --bytes N                       writes the same context to stdout (for curl)
      wharf-bench sse-baseline --port P [--plain]                 a bare server holding event streams open (for RSS per stream)
      wharf-bench storage --dir DIR --resources ROOT [--rows N] [--batch N]
                                                                  audit inserts, filtered pages, CSV export
      wharf-bench signin --dir DIR --resources ROOT --log-n N     one password sign-in at scrypt N=2^N;
                                                                  prints signin_ms peak_kib
    TLS: --ca FILE --cert FILE --key FILE
    """

struct UsageError: Error, CustomStringConvertible { let description: String }

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func required(_ name: String, in arguments: [String]) throws -> String {
    guard let value = option(name, in: arguments) else { throw UsageError(description: "\(name) is required") }
    return value
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw UsageError(description: "cannot read \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return bytes
}

func client(_ arguments: [String], group: EventLoopGroup) throws -> DockerClient {
    let url = try required("--url", in: arguments)
    var tls: TLSContext?
    if let ca = option("--ca", in: arguments) {
        tls = try TLSContext(client: TLSClientConfiguration(
            certificateAuthorityPEM: try readFile(ca),
            certificatePEM: try option("--cert", in: arguments).map(readFile),
            privateKeyPEM: try option("--key", in: arguments).map(readFile)))
    }
    return DockerClient(endpoint: try DockerEndpoint(parsing: url, tls: tls), group: group)
}

/// Peak and current resident memory of this process, in KiB (`VmHWM`, `VmRSS`).
func memory(_ field: String) -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix(field + ":") { return Int(text.filter(\.isNumber)) ?? 0 }
    }
    return 0
}

/// Resets this process's resident peak (`VmHWM`) to its current size: writing 5 to `clear_refs`.
func resetPeakMemory() {
    if let file = fopen("/proc/self/clear_refs", "w") {
        fputs("5", file)
        fclose(file)
    }
}

/// `count` bytes in chunks of 256 KiB, from one reused buffer.
struct GeneratedBytes: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let count: Int
    func makeAsyncIterator() -> Iterator { Iterator(remaining: count) }
    struct Iterator: AsyncIteratorProtocol {
        var remaining: Int
        static let chunk = (0..<(256 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        mutating func next() async -> [UInt8]? {
            guard remaining > 0 else { return nil }
            let size = Swift.min(remaining, Self.chunk.count)
            remaining -= size
            return size == Self.chunk.count ? Self.chunk : Array(Self.chunk.prefix(size))
        }
    }
}

func context(image: String, bytes: Int) -> TarStream {
    let dockerfile = Array("FROM \(image)\nLABEL wharf.bench=1\n".utf8)
    return TarStream([
        (TarEntry(name: "Dockerfile", size: dockerfile.count), .bytes(dockerfile)),
        (TarEntry(name: "payload.bin", size: bytes), .stream(DockerByteChunks(GeneratedBytes(count: bytes)))),
    ])
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))]
}

func run(_ arguments: [String]) async throws {
    guard let command = arguments.first else { throw UsageError(description: "no command") }
    if command == "storage" { return try await StorageBench.run(arguments) }
    if command == "sse-baseline" { return try await SSEBaseline.run(arguments) }
    if command == "signin" { return try await SignInBench.run(arguments) }
    let group = try EventLoopGroup(loops: 1)
    switch command {
    case "latency":
        let docker = try client(arguments, group: group)
        let path = try required("--path", in: arguments)
        guard let count = Int(try required("--count", in: arguments)), count > 0 else { throw UsageError(description: "--count must be a number") }
        var request = DockerRequest("GET", DockerPath(segments: path.split(separator: "/").map(String.init)))
        request.isVersioned = path != "/_ping"
        for _ in 0..<100 { _ = try await docker.send(request).body.collect(upTo: 16 << 20) }
        var times: [Double] = []
        times.reserveCapacity(count)
        for _ in 0..<count {
            let start = ContinuousClock.now
            _ = try await docker.send(request).body.collect(upTo: 16 << 20)
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
        }
        times.sort()
        let mean = times.reduce(0, +) / Double(times.count)
        print(String(format3(percentile(times, 0.5))), String(format3(percentile(times, 0.99))), String(format3(mean)))
    case "build":
        let docker = try client(arguments, group: group)
        let image = try required("--image", in: arguments)
        guard let bytes = Int(try required("--bytes", in: arguments)) else { throw UsageError(description: "--bytes must be a number") }
        _ = try await docker.ping()
        let rssStart = memory("VmRSS")
        let tar = context(image: image, bytes: bytes)
        let start = ContinuousClock.now
        let messages = try await docker.buildImage(context: DockerByteChunks(tar), options: DockerBuildOptions()).collect()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        for id in messages.compactMap({ $0.aux?["ID"]?.stringValue }) { _ = try? await docker.removeImage(id, force: true) }
        print(format3(seconds), format3(Double(bytes) / seconds / 1_048_576), rssStart, memory("VmHWM"))
    case "tar":
        let image = try required("--image", in: arguments)
        guard let bytes = Int(try required("--bytes", in: arguments)) else { throw UsageError(description: "--bytes must be a number") }
        for try await chunk in context(image: image, bytes: bytes) {
            var offset = 0
            while offset < chunk.count {
                let written = chunk[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
                guard written > 0 else { throw UsageError(description: "stdout closed") }
                offset += written
            }
        }
    default:
        throw UsageError(description: "unknown command \(command)")
    }
    await group.shutdown()
}

func printError(_ message: String) {
    let bytes = Array((message + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

func format3(_ value: Double) -> String {
    let scaled = Int((value * 1000).rounded())
    let fraction = String(abs(scaled) % 1000)
    return "\(scaled / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
}

signal(SIGPIPE, SIG_IGN)
do {
    try await run(Array(CommandLine.arguments.dropFirst()))
} catch let error as UsageError {
    printError("wharf-bench: \(error)\n\n\(usage)")
    exit(2)
} catch {
    printError("wharf-bench: \(error)")
    exit(1)
}
