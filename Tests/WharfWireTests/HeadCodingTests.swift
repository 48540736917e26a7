import Testing
import WharfWire

/// Field lines in and out, and the byte classes under them.
@Suite struct HeadCodingTests {
    static func encode(_ name: String, _ value: String) -> [UInt8]? {
        var buffer: [UInt8] = []
        do { try HTTPHeadEncoder.appendField(name, value, to: &buffer) } catch { return nil }
        return buffer
    }

    @Test func theEncoderRefusesWhatCouldSplitAMessage() {
        for value in ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\u{0}b", "a\u{7F}b", "a\u{1B}[31m"] {
            #expect(Self.encode("X-Value", value) == nil, "\(value.debugDescription)")
        }
        for name in ["", "Bad Name", "Bad:Name", "X-\r\nInjected", "Ünicode", "a\tb"] {
            #expect(Self.encode(name, "v") == nil, "\(name.debugDescription)")
        }
        #expect(Self.encode("X-Tab", "a\tb") == Array("X-Tab: a\tb\r\n".utf8))
        #expect(Self.encode("X-Name", "café") == Array("X-Name: café\r\n".utf8), "obs-text passes")
        var buffer: [UInt8] = []
        do throws(HTTPHeadEncoder.InvalidField) {
            try HTTPHeadEncoder.appendFields(["X-Fine": "1", "X-Evil": "a\r\nb"], to: &buffer)
            Issue.record("sent")
        } catch {
            #expect(error.name == "X-Evil")
            #expect(error.description.contains("cannot be sent"))
        }
    }

    @Test func aResponseHeadIsWrittenInOrder() throws {
        var buffer: [UInt8] = []
        try HTTPHeadEncoder.appendResponseHead(
            code: 101, reason: "Switching Protocols", headers: ["Connection": "Upgrade", "Upgrade": "tcp"], to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
    }

    @Test func numbersAndChunks() {
        for (value, decimal, hex) in [(0, "0", "0"), (9, "9", "9"), (10, "10", "a"), (255, "255", "ff"), (65536, "65536", "10000")] {
            var d: [UInt8] = []
            var h: [UInt8] = []
            HTTPHeadEncoder.appendDecimal(value, to: &d)
            HTTPHeadEncoder.appendHex(value, to: &h)
            #expect(String(decoding: d, as: UTF8.self) == decimal)
            #expect(String(decoding: h, as: UTF8.self) == hex)
        }
        #expect(HTTPHeadEncoder.chunk([]) == [], "an empty write must not end the body")
        #expect(HTTPHeadEncoder.chunk(Array("hello".utf8)) == Array("5\r\nhello\r\n".utf8))
        #expect(HTTPHeadEncoder.lastChunk == Array("0\r\n\r\n".utf8))
        for count in [1, 15, 16, 255, 256 * 1024, 0x1_2345] {
            let bytes = [UInt8](repeating: 0x61, count: count)
            #expect(HTTPHeadEncoder.chunkHead(count) + bytes + HTTPHeadEncoder.chunkEnd == HTTPHeadEncoder.chunk(bytes), "framing apart = framing joined")
        }
    }

    static func fields(_ text: String, bareLF: Bool = false) -> Result<HTTPHeaders, WireError> {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { raw in
            Result { () throws(WireError) in try HTTPFieldParser.parse(raw, from: 0, to: bytes.count, bareLF: bareLF) }
        }
    }

    @Test func fieldLinesAreParsedStrictly() throws {
        let headers = try Self.fields("Host: a\r\nX-Spaced: \t v w \t\r\nX-Empty:\r\nhost: b\r\n").get()
        #expect(headers.values("HOST") == ["a", "b"])
        #expect(headers["x-spaced"] == "v w")
        #expect(headers["X-Empty"] == "")
        for (text, reason) in [
            (" folded: x\r\n", "obsolete line folding in a header field"),
            ("Name : x\r\n", "whitespace between a header name and its colon"),
            ("No colon\r\n", "whitespace between a header name and its colon"),
            ("NoColon\r\n", "header field without a colon"),
            (": x\r\n", "empty header name"),
            ("Na@me: x\r\n", "invalid character in a header name"),
            ("X: a\u{1}b\r\n", "control character in a header value"),
            ("X: a\rb\r\n", "control character in a header value"),
            ("X: a\n", "bare LF in the header block"),
        ] {
            guard case .failure(let error) = Self.fields(text) else {
                Issue.record("\(text.debugDescription) was accepted")
                continue
            }
            #expect(error == .malformed(reason), "\(text.debugDescription)")
        }
        #expect(try Self.fields("X: a\nY: b\r\n", bareLF: true).get()["y"] == "b", "the Docker client accepts a bare LF")
    }

    @Test func listTokens() {
        let headers: HTTPHeaders = ["Connection": "keep-alive, Upgrade", "Transfer-Encoding": "gzip ,  Chunked,", "connection": "x"]
        #expect(headers.hasToken("upgrade", in: "connection"))
        #expect(!headers.hasToken("close", in: "Connection"))
        #expect(headers.tokens("Transfer-Encoding") == ["gzip", "chunked"])
        #expect(headers.tokens("Connection") == ["keep-alive", "upgrade", "x"])
    }

    @Test func byteClassesFollowTheRFC() {
        let tchar = Set(Array("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8))
        for byte in UInt8.min...UInt8.max {
            #expect(byte.isTokenCharacter == tchar.contains(byte), "tchar \(byte)")
            #expect(byte.isFieldValueByte == (byte == 0x09 || (byte >= 0x20 && byte != 0x7F)), "field value \(byte)")
            let qdtext = byte == 0x09 || byte == 0x20 || byte == 0x21 || (0x23...0x5B).contains(byte)
                || (0x5D...0x7E).contains(byte) || byte >= 0x80
            #expect(byte.isQuotedTextByte == qdtext, "qdtext \(byte)")
            #expect(byte.isRequestTargetByte == (0x21...0x7E).contains(byte), "target \(byte)")
            #expect((byte.hexDigitValue != nil) == Array("0123456789abcdefABCDEF".utf8).contains(byte), "hex \(byte)")
        }
    }
}
