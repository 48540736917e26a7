internal import FoundationEssentials
import Testing
import WharfDocker
import WharfTestSupport

@Suite struct JSONLinesDecoderTests {
    /// Pull output as dockerd 20.10 writes it (`\r\n` after each message), ending in an in-band error.
    static let pull = Array((
        #"{"status":"Pulling from wharf-test/bigdata","id":"latest"}"# + "\r\n"
            + #"{"status":"Pulling fs layer","progressDetail":{},"id":"a1b2"}"# + "\r\n"
            + #"{"status":"Downloading","progressDetail":{"current":32768,"total":10485760},"progress":"[>  ]","id":"a1b2"}"# + "\r\n"
            + "\r\n"
            + #"{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}"# + "\r\n").utf8)

    static func decode(_ chunks: [[UInt8]]) throws -> [DockerProgressMessage] {
        var decoder = JSONLinesDecoder()
        var lines: [[UInt8]] = []
        for chunk in chunks { lines += try decoder.feed(chunk) }
        if let last = decoder.finish() { lines.append(last) }
        return try lines.map { try JSONDecoder().decode(DockerProgressMessage.self, from: Data($0)) }
    }

    @Test func decodesProgressAtEverySplitPoint() throws {
        for chunks in Splits.all(Self.pull) {
            let messages = try Self.decode(chunks)
            #expect(messages.count == 4)
            #expect(messages[0].status == "Pulling from wharf-test/bigdata")
            #expect(messages[2].progressDetail?.current == 32768)
            #expect(messages[2].progressDetail?.total == 10_485_760)
            #expect(messages[2].id == "a1b2")
            #expect(messages[0].failure == nil)
            guard case .stream("unexpected EOF", nil) = messages[3].failure else {
                Issue.record("no in-band error in \(messages[3])")
                return
            }
        }
    }

    @Test func keepsALastLineWithoutItsEnd() throws {
        let messages = try Self.decode([Array((#"{"stream":"Step 1/2"}"# + "\n" + #"{"aux":{"ID":"sha256:ab"}}"#).utf8)])
        #expect(messages.count == 2)
        #expect(messages[1].aux?["ID"]?.stringValue == "sha256:ab")
    }

    @Test func refusesAnEndlessLine() {
        var decoder = JSONLinesDecoder(maxLineBytes: 16)
        #expect(throws: DockerError.self) { try decoder.feed(Array(repeating: UInt8(ascii: "x"), count: 17)) }
    }

    @Test func jsonValueRoundTrips() throws {
        let text = #"{"a":[1,2.5,"x",true,null,{"b":-9007199254740993}]}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(value["a"] == .array([.integer(1), .double(2.5), .string("x"), .bool(true), .null, .object(["b": .integer(-9_007_199_254_740_993)])]))
        let again = try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(value))
        #expect(again == value)
    }
}

@Suite struct MultiplexedStreamDecoderTests {
    static func frame(_ stream: UInt8, _ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        let size = UInt32(payload.count)
        return [stream, 0, 0, 0, UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)] + payload
    }

    /// Output of `echo out; echo err >&2; echo more` as a non-TTY logs stream, plus an empty frame.
    static let recorded = frame(1, "out\n") + frame(2, "err\n") + frame(1, "") + frame(1, "more\n") + frame(2, "x")

    @Test func demultiplexesAtEverySplitPoint() throws {
        for chunks in Splits.all(Self.recorded) {
            var decoder = MultiplexedStreamDecoder()
            var pieces: [DockerLogChunk] = []
            for chunk in chunks { pieces += try decoder.feed(chunk) }
            #expect(decoder.isAtFrameBoundary)
            let stdout = pieces.filter { $0.stream == .stdout }.flatMap(\.bytes)
            let stderr = pieces.filter { $0.stream == .stderr }.flatMap(\.bytes)
            #expect(String(decoding: stdout, as: UTF8.self) == "out\nmore\n")
            #expect(String(decoding: stderr, as: UTF8.self) == "err\nx")
            // Order across streams is kept: merge adjacent pieces and compare the sequence.
            var merged: [DockerLogChunk] = []
            for piece in pieces {
                if let last = merged.last, last.stream == piece.stream { merged[merged.count - 1].bytes += piece.bytes } else { merged.append(piece) }
            }
            #expect(merged.map(\.stream) == [.stdout, .stderr, .stdout, .stderr])
        }
    }

    @Test func largeFramesFlowWithoutBuffering() throws {
        var decoder = MultiplexedStreamDecoder()
        let big = Self.frame(1, String(repeating: "z", count: 100_000))
        let first = try decoder.feed(Array(big[0..<1000]))
        #expect(first == [DockerLogChunk(stream: .stdout, bytes: Array(repeating: UInt8(ascii: "z"), count: 992))])
        #expect(!decoder.isAtFrameBoundary)
    }

    @Test func rejectsAnUnknownStream() {
        var decoder = MultiplexedStreamDecoder()
        #expect(throws: DockerError.self) { try decoder.feed([9, 0, 0, 0, 0, 0, 0, 1, 65]) }
    }
}

@Suite struct StreamOverConnectionTests {
    @Test func inBandErrorAfterA200EndsTheStreamWithAnError() async throws {
        let engine = try FakeEngine.answering { _, connection in
            try await connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for byte in JSONLinesDecoderTests.pull {
                try await connection.write("1\r\n")
                try await connection.write([byte, 13, 10])
            }
            try await connection.write("0\r\n\r\n")
        }
        defer { engine.stop() }
        let response = try await engine.client().send(DockerRequest("POST", DockerPath("images", "create")))
        var seen: [DockerProgressMessage] = []
        do {
            for try await message in DockerProgressStream(body: response.body) { seen.append(message) }
            Issue.record("no error")
        } catch DockerError.stream(let message, _) {
            #expect(message == "unexpected EOF")
        }
        #expect(seen.count == 3)
    }

    @Test func logsArriveDemultiplexedOrRaw() async throws {
        let engine = try FakeEngine.answering { request, connection in
            let body = request.target.contains("raw") ? Array("raw tty\r\n".utf8) : MultiplexedStreamDecoderTests.recorded
            try await connection.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
            for byte in body { try await connection.write([byte]) }
            connection.close()
        }
        defer { engine.stop() }
        let client = engine.client()
        var stderr: [UInt8] = []
        for try await piece in DockerLogStream(body: try await client.send(DockerRequest("GET", DockerPath("mux"))).body, isRaw: false)
        where piece.stream == .stderr { stderr += piece.bytes }
        #expect(String(decoding: stderr, as: UTF8.self) == "err\nx")
        var raw: [UInt8] = []
        for try await piece in DockerLogStream(body: try await client.send(DockerRequest("GET", DockerPath("raw"))).body, isRaw: true) {
            #expect(piece.stream == .stdout)
            raw += piece.bytes
        }
        #expect(String(decoding: raw, as: UTF8.self) == "raw tty\r\n")
    }
}
