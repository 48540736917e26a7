import FoundationEssentials
import Testing
import WharfHTTP
import WharfTestSupport

/// The gzip encoder static files use, checked by real decoders (`gzip -d`, Python's `zlib`), and
/// the access log's JSON lines.
@Suite struct GzipTests {
    static func gunzip(_ bytes: [UInt8]) async throws -> (status: Int32?, out: [UInt8]) {
        let child = try ChildProcess("/bin/gzip", ["-dc"], input: bytes)
        let status = await child.waitForExit(timeout: 30)
        return (status, Array(child.standardOutput.utf8))
    }

    static let inputs: [(String, [UInt8])] = {
        var random = SystemRandomNumberGenerator()
        let noise = (0..<70_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        let text = Array(String(repeating: "body { color: #123456; margin: 0 auto; } .card { padding: 1rem; }\n", count: 2_000).utf8)
        let long = Array(repeating: UInt8(ascii: "a"), count: 100_000)  // matches of 258, distances of 1
        return [("empty", []), ("one byte", [0x41]), ("text", text), ("run", long), ("noise", noise.map { $0 & 0x7f })]
    }()

    @Test(arguments: inputs.map(\.0))
    func gzipDecodesToTheInput(name: String) async throws {
        let input = try #require(Self.inputs.first { $0.0 == name }?.1)
        let compressed = Gzip.compress(input)
        let (status, output) = try await Self.gunzip(compressed)
        #expect(status == 0)
        #expect(output == input, "\(name): \(output.count) bytes back for \(input.count)")
        if name == "text" || name == "run" { #expect(compressed.count * 10 < input.count, "\(name): \(compressed.count)") }
    }

    @Test func pythonsZlibAgreesOnTheRepositorysStylesheet() async throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let css = try Array(Data(contentsOf: url.appendingPathComponent("Public/css/wharf.css")))
        let script = "import sys, zlib; data = sys.stdin.buffer.read(); sys.stdout.buffer.write(zlib.decompress(data, 31))"
        let child = try ChildProcess("/usr/bin/python3", ["-c", script], input: Gzip.compress(css))
        #expect(await child.waitForExit(timeout: 30) == 0, "\(child.standardError)")
        #expect(Array(child.standardOutput.utf8) == css)
    }

    @Test func accessLogJSONLinesAreJSON() throws {
        let entry = AccessLogEntry(
            time: 1_764_000_000, client: "203.0.113.9", method: "GET", path: "/a\"b\\c\u{1}", status: 200, bytes: 33,
            durationMicroseconds: 1234, requestID: "1f2e3d4c-00000001")
        struct Line: Decodable {
            let time, client, method, path: String
            let status, bytes: Int
            let duration_ms: Double
            let request_id: String
        }
        let decoded = try JSONDecoder().decode(Line.self, from: Data(entry.json.utf8))
        #expect(decoded.path == "/a\"b\\c\u{1}")
        #expect(decoded.client == "203.0.113.9" && decoded.status == 200 && decoded.request_id == "1f2e3d4c-00000001")
        #expect(decoded.duration_ms == 1.234)
        #expect(entry.json.hasPrefix(#"{"time":"2025-11-24T16:00:00Z","client":"203.0.113.9","method":"GET""#))
        #expect(entry.line == "2025-11-24T16:00:00Z 203.0.113.9 GET /a\"b\\c\u{1} 200 33 1.234ms 1f2e3d4c-00000001")
    }
}
