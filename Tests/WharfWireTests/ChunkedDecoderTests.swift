import Testing
import WharfTestSupport
import WharfWire

/// The chunked decoder keeps partial framing across calls: the decoded bytes, the end, any error
/// and the bytes left after the body must not depend on how the input was split. (These cases
/// are the server's and the Docker client's former decoder tests, together.)
@Suite struct ChunkedDecoderTests {
    struct Outcome: Equatable, CustomStringConvertible {
        enum End: Equatable { case complete, incomplete, failed(WireError) }
        var data: [UInt8] = []
        var end = End.incomplete
        /// Input after the end of the body (the next pipelined message).
        var leftover: [UInt8] = []

        var description: String {
            "\(end), \(data.count) bytes \(String(decoding: data.prefix(40), as: UTF8.self).debugDescription), leftover \(leftover.count)"
        }
    }

    /// Feeds `pieces` as a connection would: new bytes are appended to what the decoder left unconsumed.
    static func decode(_ pieces: [[UInt8]], limits: ChunkedDecoder.Limits = .init()) -> Outcome {
        var decoder = ChunkedDecoder(limits: limits)
        var outcome = Outcome()
        var pending: [UInt8] = []
        var index = 0
        while index < pieces.count {
            pending += pieces[index]
            index += 1
            decoding: while true {
                let result: (consumed: Int, event: ChunkedDecoder.Event)
                do throws(WireError) {
                    result = try pending.withBytes { raw throws(WireError) in try decoder.next(raw) }
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
        let limits: ChunkedDecoder.Limits
        init(_ name: String, _ text: String, limits: ChunkedDecoder.Limits = .init()) {
            self.name = name
            bytes = Array(text.utf8)
            self.limits = limits
        }
        init(_ name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
            limits = .init()
        }
        var testDescription: String { name }
    }

    static let tight = ChunkedDecoder.Limits(maxExtensionBytes: 8, maxTrailerBytes: 32, maxTrailerFields: 2)

    static let cases: [Case] = [
        Case("two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
        Case("extensions", "5;name=value;flag\r\nhello\r\n1 ; spaced = \"quoted\"\r\n!\r\n0;last\r\n\r\n"),
        Case("extensions and a trailer, then a response", "5;name=value\r\nhello\r\n1 ; x=\"y\"\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: ok\r\n\r\nHTTP/1.1"),
        Case("a quoted extension with escapes", "3;a=\"q \\\" \\\\ \t\";b\r\nabc\r\n0\r\n\r\n"),
        Case("trailers", "3\r\nabc\r\n0\r\nX-Checksum: 900150983cd24fb0\r\nX-Other: y\r\n\r\n"),
        Case("an empty trailer value", "0\r\nX-Empty:\r\n\r\n"),
        Case("upper-case hex and leading zeros", "00A\r\n0123456789\r\n000b\r\nabcdefghijk\r\n0\r\n\r\n"),
        Case("a chunk that contains CRLF", "4\r\n\r\n\r\n\r\n0\r\n\r\n"),
        Case("the next request behind the body", "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        Case("an empty body", "0\r\n\r\n"),
        Case("a large chunk", "3e8\r\n" + String(repeating: "z", count: 1000) + "\r\n0\r\n\r\n"),
        Case("binary data", bytes: Array("4\r\n".utf8) + [0, 0x0D, 0xFF, 0x0A] + Array("\r\n0\r\n\r\n".utf8)),
        Case("truncated in data", "5\r\nhel"),
        Case("truncated before the trailer end", "5\r\nhello\r\n0\r\n"),
        Case("a bad chunk size", "zz\r\nhello\r\n0\r\n\r\n"),
        Case("a letter after the size", "5x\r\nhello\r\n0\r\n\r\n"),
        Case("a negative chunk size", "-5\r\nhello\r\n0\r\n\r\n"),
        Case("a missing chunk size", "\r\nhello\r\n0\r\n\r\n"),
        Case("a bare LF after the size", "5\nhello\r\n0\r\n\r\n"),
        Case("a bare CR after the size", "5\rhello\r\n0\r\n\r\n"),
        Case("data longer than its size", "5\r\nhello!\r\n0\r\n\r\n"),
        Case("a chunk size of 16 digits", "1000000000000000\r\n"),
        Case("a chunk size over 64 bits", "10000000000000000\r\n"),
        Case("an extension over the limit", "5;abcdefghijklmnop\r\nhello\r\n0\r\n\r\n", limits: tight),
        Case("an endless extension", "1;" + String(repeating: "a", count: 40), limits: tight),
        Case("a control character in an extension", "5;a\u{1}b\r\nhello\r\n0\r\n\r\n"),
        Case("a control character in a quoted extension", "5;a=\"\u{1}\"\r\nhello\r\n0\r\n\r\n"),
        Case("an extension that is a bare control character", "3;\u{1}\r\nabc\r\n0\r\n\r\n"),
        Case("an extension without a name", "5;=v\r\nhello\r\n0\r\n\r\n"),
        Case("an extension that is not a token", "5;a@b\r\nhello\r\n0\r\n\r\n"),
        Case("an extension value that is not a token", "5;a=b@c\r\nhello\r\n0\r\n\r\n"),
        Case("an extension with an empty value", "5;a=\r\nhello\r\n0\r\n\r\n"),
        Case("an unterminated quoted extension", "5;a=\"open\r\nhello\r\n0\r\n\r\n"),
        Case("text after a quoted extension", "5;a=\"q\"x\r\nhello\r\n0\r\n\r\n"),
        Case("an extension without a semicolon", "5 a\r\nhello\r\n0\r\n\r\n"),
        Case("whitespace at the end of the size line", "5 \r\nhello\r\n0\r\n\r\n"),
        Case("whitespace after an extension", "5;a=b \r\nhello\r\n0\r\n\r\n"),
        Case("two semicolons", "5;;a\r\nhello\r\n0\r\n\r\n"),
        Case("a control character in a trailer", "0\r\nX: a\u{1}\r\n\r\n"),
        Case("a trailer without a colon", "0\r\nX-No-Colon\r\n\r\n"),
        Case("a trailer line of spaces", "0\r\n   \r\n\r\n"),
        Case("a folded trailer", "0\r\nA: 1\r\n continued\r\n\r\n"),
        Case("whitespace before a trailer colon", "0\r\nA : 1\r\n\r\n"),
        Case("a trailer with an empty name", "0\r\n: v\r\n\r\n"),
        Case("a trailer name that is not a token", "0\r\nA@B: v\r\n\r\n"),
        Case("a trailer block over the limit", "0\r\nX-Long: " + String(repeating: "v", count: 40) + "\r\n\r\n", limits: tight),
        Case("too many trailers", "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: tight),
        Case("a bare CR in the trailer section", "0\r\nA: 1\rB\r\n\r\n"),
        Case("a bare CR ending the trailer section", "0\r\nA: b\r\r"),
        Case("data not followed by CRLF", "3\r\nabcX\r\n"),
    ]

    @Test(arguments: cases)
    func decodesIdenticallyAtEverySplitAndByteByByte(_ input: Case) {
        let whole = Self.decode([input.bytes], limits: input.limits)
        for pieces in Splits.all(input.bytes) {
            let split = Self.decode(pieces, limits: input.limits)
            #expect(split == whole, "\(input.name): pieces \(pieces.map(\.count)) gave \(split), whole gave \(whole)")
        }
    }

    static let valid: [(String, String)] = [
        ("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"),
        ("5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n", "hello"),
        ("5;name=value;flag\r\nhello\r\n1 ; spaced = \"quoted\"\r\n!\r\n0;last\r\n\r\n", "hello!"),
        ("5;name=value\r\nhello\r\n1 ; x=\"y\"\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: ok\r\n\r\n", "hello 0123456789"),
        ("3;a=\"q \\\" \\\\ \t\";b\r\nabc\r\n0\r\n\r\n", "abc"),
        ("1;a\t;\tb\t=\t\"c\"\r\nx\r\n0\r\n\r\n", "x"),
        ("0\r\nX-Empty:\r\nX-Spaced:   v  \r\n\r\n", ""),
        ("fffffffffffffff\r\n", ""),  // 15 digits: accepted, waiting for its data
    ]

    @Test func decodesBodiesToTheExpectedBytes() {
        for (text, body) in Self.valid {
            let outcome = Self.decode([Array(text.utf8)])
            #expect(outcome.data == Array(body.utf8), "\(text.debugDescription)")
            if case .failed = outcome.end { Issue.record("\(text.debugDescription) was refused: \(outcome)") }
        }
        #expect(Self.decode([Array("5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\nNEXT".utf8)])
            == Outcome(data: Array("hello".utf8), end: .complete, leftover: Array("NEXT".utf8)))
    }

    /// Each refusal with the reason a user or a log reader can act on.
    static let refusals: [(String, WireError)] = [
        ("zz\r\n", .malformed("missing chunk size")),
        ("5x\r\n", .malformed("invalid chunk size")),
        ("5\r\nhello!\r\n", .malformed("chunk data not followed by CRLF")),
        ("5\nhello", .malformed("chunk size line not ended by CRLF")),
        ("1000000000000000\r\n", .malformed("chunk size too large")),
        ("\r\n", .malformed("missing chunk size")),
        ("5 \r\n", .malformed("whitespace at the end of a chunk size line")),
        ("5 a\r\n", .malformed("invalid chunk extension")),
        ("5;=v\r\n", .malformed("a chunk extension without a name")),
        ("5;a=b@c\r\n", .malformed("invalid chunk extension")),
        ("5;a=\r\n", .malformed("a chunk extension value that is neither a token nor a quoted string")),
        ("5;a\u{1}\r\n", .malformed("control character in a chunk extension")),
        ("0\r\nX-No-Colon\r\n", .malformed("trailer field without a colon")),
        ("0\r\n folded\r\n", .malformed("obsolete line folding in the trailer section")),
        ("0\r\nA : 1\r\n", .malformed("whitespace between a trailer field name and its colon")),
        ("0\r\n: v\r\n", .malformed("invalid character in a trailer field name")),
        ("0\r\nX: a\u{7F}\r\n", .malformed("control character in a trailer field")),
        ("0\r\nA: 1\rB", .malformed("bare CR in the trailer section")),
    ]

    @Test func refusesWithAReason() {
        for (text, error) in Self.refusals {
            #expect(Self.decode([Array(text.utf8)]).end == .failed(error), "\(text.debugDescription)")
        }
        #expect(Self.decode([Array(("1;" + String(repeating: "a", count: 5000)).utf8)]).end
            == .failed(.malformed("chunk extension too long")), "the default limit is 4 KiB")
        #expect(Self.decode([Array("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n".utf8)], limits: Self.tight).end == .failed(.tooManyFields))
        #expect(Self.decode([Array(("0\r\nX: " + String(repeating: "v", count: 40)).utf8)], limits: Self.tight).end == .failed(.fieldsTooLarge))
    }

    @Test func reportsOneRunOfDataWithoutCopying() throws {
        var decoder = ChunkedDecoder()
        let input = Array("5\r\nhello\r\n".utf8)
        let (consumed, event) = try input.withBytes { raw throws(WireError) in try decoder.next(raw) }
        #expect(event == .data(3..<8))
        #expect(consumed == 8)
        #expect(!decoder.isDone)
    }

    /// Random bodies written by the encoder, with random extensions and trailers, decode to what
    /// was written however they are cut; and random damage to them decodes the same whole or cut.
    @Test func randomBodiesDecodeTheSameHoweverTheyAreCut() {
        var generator = SplitMix(seed: 2026)
        let extensions = ["", ";a", ";a=b", " ;a = \"c d\"", ";x=\"\\\"\";y"]
        for round in 0..<300 {
            var wire: [UInt8] = []
            var body: [UInt8] = []
            for _ in 0..<Int(generator.next() % 5) {
                let chunk = (0..<Int(generator.next() % 40) + 1).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                body += chunk
                var frame = HTTPHeadEncoder.chunk(chunk)
                let ext = Array(extensions[Int(generator.next() % UInt64(extensions.count))].utf8)
                let sizeEnd = frame.firstIndex(of: 0x0D) ?? 0
                frame.insert(contentsOf: ext, at: sizeEnd)
                wire += frame
            }
            wire += Array((generator.next() % 2 == 0 ? "0\r\n\r\n" : "0\r\nX-Sum: \(round)\r\n\r\n").utf8)
            let expected = Outcome(data: body, end: .complete)
            #expect(Self.decode([wire]) == expected, "round \(round)")
            for _ in 0..<5 {
                #expect(Self.decode(Splits.random(wire, using: &generator)) == expected, "round \(round)")
            }
            var damaged = wire
            let at = Int(generator.next() % UInt64(damaged.count))
            damaged[at] = UInt8(truncatingIfNeeded: generator.next())
            let whole = Self.decode([damaged])
            for _ in 0..<5 {
                let split = Self.decode(Splits.random(damaged, using: &generator))
                #expect(split == whole, "round \(round): damaged at \(at)")
            }
        }
    }
}
