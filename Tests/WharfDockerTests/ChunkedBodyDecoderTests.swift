import Testing
@testable import WharfDocker

@Suite struct ChunkedBodyDecoderTests {
    /// Decodes `chunks` as the body reader does: leftovers stay in front of the next read.
    static func decode(_ chunks: [[UInt8]]) throws -> (body: [UInt8], ended: Bool, rest: [UInt8]) {
        var decoder = ChunkedBodyDecoder()
        var pending: [UInt8] = []
        var body: [UInt8] = []
        for chunk in chunks {
            pending += chunk
            while !pending.isEmpty {
                let (consumed, event) = try pending.withUnsafeBytes { try decoder.next($0) }
                if case .data(let range) = event { body += pending[range] }
                pending.removeFirst(consumed)
                if event == .end { return (body, true, pending) }
                if event == .needMore { break }
            }
        }
        return (body, false, pending)
    }

    @Test func decodesChunksWithExtensionsAndTrailersAtEverySplitPoint() throws {
        let wire = Array(
            ("5;name=value\r\nhello\r\n1 ; x=\"y\"\r\n \r\nA\r\n0123456789\r\n"
                + "0\r\nX-Trailer: ok\r\n\r\nHTTP/1.1").utf8)
        for chunks in Splits.all(wire) {
            let result = try Self.decode(chunks)
            #expect(String(decoding: result.body, as: UTF8.self) == "hello 0123456789")
            #expect(result.ended)
        }
    }

    @Test func stopsAtTheEndOfTheBody() throws {
        let result = try Self.decode([Array("3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK".utf8)])
        #expect(result.ended)
        #expect(String(decoding: result.rest, as: UTF8.self) == "HTTP/1.1 200 OK")
    }

    @Test(arguments: ["x\r\n", "\r\n", "3\nabc", "3\r\nabcX\r\n", "1000000000000000\r\n", "3;\u{1}\r\n", "0\r\nA: b\r\r"])
    func rejectsBadFraming(_ text: String) {
        #expect(throws: ChunkedBodyDecoder.Failure.self) { try Self.decode([Array(text.utf8)]) }
    }

    @Test func rejectsAnEndlessExtension() {
        let wire = Array("1;".utf8) + Array(repeating: UInt8(ascii: "a"), count: 5000)
        #expect(throws: ChunkedBodyDecoder.Failure.self) { try Self.decode([wire]) }
    }
}
