import Testing
import WharfHTTP

/// The chunked decoder keeps partial framing across calls: the decoded bytes, the end, any
/// error and the bytes left after the body must not depend on how the input was split.
@Suite struct ChunkedDecoderTests {
    struct Outcome: Equatable, CustomStringConvertible {
        enum End: Equatable { case complete, incomplete, failed(HTTPParseError) }
        var data: [UInt8] = []
        var end = End.incomplete
        /// Input after the end of the body (the next pipelined request).
        var leftover: [UInt8] = []

        var description: String {
            "\(end), \(data.count) bytes \(String(decoding: data.prefix(40), as: UTF8.self).debugDescription), leftover \(leftover.count)"
        }
    }

    /// Feeds `pieces` as a connection would: new bytes are appended to what the decoder left unconsumed.
    static func decode(_ pieces: [[UInt8]], limits: HTTPLimits = HTTPLimits()) -> Outcome {
        var decoder = ChunkedDecoder(limits: limits)
        var outcome = Outcome()
        var pending: [UInt8] = []
        var index = 0
        while index < pieces.count {
            pending += pieces[index]
            index += 1
            decoding: while true {
                let result: (consumed: Int, event: ChunkedDecoder.Event)
                do throws(HTTPParseError) {
                    result = try pending.withBytes { raw throws(HTTPParseError) in try decoder.next(raw) }
                } catch {
                    outcome.end = .failed(error)
                    return outcome
                }
                if case .data(let range) = result.event { outcome.data += pending[range] }
                pending.removeFirst(result.consumed)
                switch result.event {
                case .needMore: break decoding
                case .data: continue
                case .end:
                    outcome.end = .complete
                    outcome.leftover = pending + pieces[index...].joined()
                    return outcome
                }
            }
        }
        return outcome
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let limits: HTTPLimits
        init(_ name: String, _ text: String, limits: HTTPLimits = HTTPLimits()) {
            self.name = name
            bytes = Array(text.utf8)
            self.limits = limits
        }
        var testDescription: String { name }
    }

    static let tight: HTTPLimits = {
        var limits = HTTPLimits()
        limits.maxChunkExtensionBytes = 8
        limits.maxHeaderBytes = 32
        limits.maxHeaderCount = 2
        return limits
    }()

    static let cases: [Case] = [
        Case("two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
        Case("extensions", "5;name=value;flag\r\nhello\r\n1 ; spaced = \"quoted\"\r\n!\r\n0;last\r\n\r\n"),
        Case("trailers", "3\r\nabc\r\n0\r\nX-Checksum: 900150983cd24fb0\r\nX-Other: y\r\n\r\n"),
        Case("upper-case hex and leading zeros", "00A\r\n0123456789\r\n000b\r\nabcdefghijk\r\n0\r\n\r\n"),
        Case("a chunk that contains CRLF", "4\r\n\r\n\r\n\r\n0\r\n\r\n"),
        Case("the next request behind the body", "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        Case("an empty body", "0\r\n\r\n"),
        Case("a large chunk", "3e8\r\n" + String(repeating: "z", count: 1000) + "\r\n0\r\n\r\n"),
        Case("truncated in data", "5\r\nhel"),
        Case("truncated before the trailer end", "5\r\nhello\r\n0\r\n"),
        Case("a bad chunk size", "zz\r\nhello\r\n0\r\n\r\n"),
        Case("a negative chunk size", "-5\r\nhello\r\n0\r\n\r\n"),
        Case("a missing chunk size", "\r\nhello\r\n0\r\n\r\n"),
        Case("a bare LF after the size", "5\nhello\r\n0\r\n\r\n"),
        Case("data longer than its size", "5\r\nhello!\r\n0\r\n\r\n"),
        Case("a chunk size over 64 bits", "10000000000000000\r\n"),
        Case("an extension over the limit", "5;abcdefghijklmnop\r\nhello\r\n0\r\n\r\n", limits: tight),
        Case("a control character in an extension", "5;a\u{1}b\r\nhello\r\n0\r\n\r\n"),
        Case("a control character in a trailer", "0\r\nX: a\u{1}\r\n\r\n"),
        Case("a trailer block over the limit", "0\r\nX-Long: " + String(repeating: "v", count: 40) + "\r\n\r\n", limits: tight),
        Case("too many trailers", "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: tight),
        Case("a bare CR in the trailer section", "0\r\nA: 1\rB\r\n\r\n"),
    ]

    @Test(arguments: cases)
    func decodesIdenticallyAtEverySplitAndByteByByte(_ input: Case) {
        let whole = Self.decode([input.bytes], limits: input.limits)
        for point in 0...input.bytes.count {
            let split = Self.decode([Array(input.bytes[..<point]), Array(input.bytes[point...])], limits: input.limits)
            #expect(split == whole, "\(input.name): split at \(point) gave \(split), whole gave \(whole)")
        }
        let single = Self.decode(input.bytes.map { [$0] }, limits: input.limits)
        #expect(single == whole, "\(input.name): byte by byte gave \(single), whole gave \(whole)")
        var generator = SplitMix(seed: UInt64(input.bytes.count))
        for _ in 0..<20 {
            var pieces: [[UInt8]] = []
            var offset = 0
            while offset < input.bytes.count {
                let size = Int(generator.next() % 7) + 1
                pieces.append(Array(input.bytes[offset..<min(offset + size, input.bytes.count)]))
                offset += size
            }
            #expect(Self.decode(pieces, limits: input.limits) == whole, "\(input.name): random pieces \(pieces.map(\.count))")
        }
    }

    @Test func decodesBodiesAndTrailersToTheExpectedBytes() {
        #expect(Self.decode([Array("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".utf8)]) == Outcome(data: Array("hello world".utf8), end: .complete))
        #expect(Self.decode([Array("5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\nNEXT".utf8)])
            == Outcome(data: Array("hello".utf8), end: .complete, leftover: Array("NEXT".utf8)))
        #expect(Self.decode([Array("0\r\n\r\n".utf8)]) == Outcome(data: [], end: .complete))
    }

    @Test func rejectsMalformedFramingWithBadChunk() {
        for text in ["zz\r\n", "5\r\nhello!\r\n", "5\nhello", "10000000000000000\r\n", "\r\n"] {
            let outcome = Self.decode([Array(text.utf8)])
            guard case .failed(let error) = outcome.end, case .badChunk = error else {
                Issue.record("\(text.debugDescription) gave \(outcome)")
                continue
            }
            #expect(error.status.code == 400)
        }
    }

    @Test func reportsOneRunOfDataWithoutCopying() throws {
        var decoder = ChunkedDecoder(limits: HTTPLimits())
        let input = Array("5\r\nhello\r\n".utf8)
        let (consumed, event) = try input.withBytes { raw throws(HTTPParseError) in try decoder.next(raw) }
        #expect(event == .data(3..<8))
        #expect(consumed == 8)
        #expect(!decoder.isDone)
    }
}

/// A tiny deterministic generator so random splits are the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
