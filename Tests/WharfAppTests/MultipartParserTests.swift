import Testing
@testable import WharfApp
import WharfHTTP
import WharfWire

/// The streaming multipart parser at every split point (a boundary cut anywhere, CR LF split from
/// each other), with file content that looks like a boundary, and what a cut-off body does.
@Suite struct MultipartParserTests {
    static let boundary = "----WebKitFormBoundaryAbc123"

    /// A body as a browser sends it: two fields, a file whose content contains near-boundaries.
    static let file: [UInt8] = Array("line one\r\n--".utf8) + Array("----WebKitFormBoundaryAbc12".utf8) + [0, 13, 10, 13]
        + Array("\r\n------WebKitFormBoundaryAbc12X".utf8) + (0..<300).map { UInt8($0 % 256) }
    static var body: [UInt8] {
        var bytes: [UInt8] = Array("preamble to ignore\r\n".utf8)
        bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nweb:1\r\n".utf8)
        bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"dockerfile_text\"\r\n\r\nFROM busybox\r\nRUN echo \"hi\"\r\n".utf8)
        bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"context\"; filename=\"my \\\"ctx\\\".tar\"\r\n".utf8)
        bytes += Array("Content-Type: application/x-tar\r\n\r\n".utf8) + file + Array("\r\n".utf8)
        bytes += Array("--\(boundary)--\r\nepilogue".utf8)
        return bytes
    }

    /// What the parser makes of `bytes` fed in the given pieces: (name, filename, content) per
    /// part, with adjacent data joined.
    static func parse(_ bytes: [UInt8], splits: [Int]) throws -> [(String, String?, [UInt8])] {
        var parser = MultipartParser(boundary: boundary)
        var parts: [(String, String?, [UInt8])] = []
        var start = 0
        var ended = false
        for split in splits.sorted() + [bytes.count] where split >= start {
            for event in try parser.feed(Array(bytes[start..<split])) {
                switch event {
                case .part(let head): parts.append((head.name, head.filename, []))
                case .data(let data): parts[parts.count - 1].2 += data
                case .partEnd: break
                case .end: ended = true
                }
            }
            start = split
        }
        try parser.finish()
        #expect(ended)
        return parts
    }

    @Test func partsComeOutWholeAtEverySplitPoint() throws {
        let bytes = Self.body
        func expectParts(_ parts: [(String, String?, [UInt8])], _ label: String) {
            #expect(parts.map(\.0) == ["t", "dockerfile_text", "context"], "\(label)")
            #expect(parts.map(\.1) == [nil, nil, "my \"ctx\".tar"], "\(label)")
            #expect(parts.count == 3 && String(decoding: parts[0].2, as: UTF8.self) == "web:1", "\(label)")
            #expect(parts.count == 3 && String(decoding: parts[1].2, as: UTF8.self) == "FROM busybox\r\nRUN echo \"hi\"", "\(label)")
            #expect(parts.count == 3 && parts[2].2 == Self.file, "\(label)")
        }
        expectParts(try Self.parse(bytes, splits: []), "whole")
        for split in 0...bytes.count { expectParts(try Self.parse(bytes, splits: [split]), "split at \(split)") }
        expectParts(try Self.parse(bytes, splits: Array(0..<bytes.count)), "byte by byte")
        for _ in 0..<100 {
            let splits = (0..<Int.random(in: 1...12)).map { _ in Int.random(in: 0...bytes.count) }
            expectParts(try Self.parse(bytes, splits: splits), "splits \(splits)")
        }
    }

    @Test func aCutOffBodyIsTruncatedAndJunkIsMalformed() {
        let bytes = Self.body
        let end = bytes.count - "--\r\nepilogue".utf8.count - Self.boundary.utf8.count
        for cut in [10, 100, 400, end] {
            #expect(throws: MultipartParser.Failure.truncated) { _ = try Self.parse(Array(bytes[0..<cut]), splits: []) }
        }
        #expect(throws: MultipartParser.Failure.malformed("a boundary is not followed by a line break")) {
            _ = try Self.parse(Array("--\(Self.boundary)XX\r\n".utf8), splits: [])
        }
        #expect(throws: MultipartParser.Failure.malformed("a part has no form-data name")) {
            _ = try Self.parse(Array("--\(Self.boundary)\r\nContent-Type: text/plain\r\n\r\nx\r\n--\(Self.boundary)--".utf8), splits: [])
        }
        var parser = MultipartParser(boundary: Self.boundary)
        #expect(throws: MultipartParser.Failure.malformed("part headers over 16 KiB")) {
            _ = try parser.feed(Array("--\(Self.boundary)\r\nX-Long: ".utf8) + [UInt8](repeating: 65, count: 20_000))
        }
    }

    @Test func theReaderStreamsAFileAndReadsFieldsFromARequestBody() async throws {
        let bytes = Self.body
        let chunks = stride(from: 0, to: bytes.count, by: 37).map { Array(bytes[$0..<min(bytes.count, $0 + 37)]) }
        let reader = MultipartReader(body: RequestBody(chunks: chunks), boundary: Self.boundary)
        var fields: [String: String] = [:]
        var file: [UInt8] = []
        while let part = try await reader.nextPart() {
            if part.filename != nil {
                for try await chunk in reader.chunks { file += chunk }
            } else {
                fields[part.name] = try await reader.text(limit: 1024)
            }
        }
        #expect(fields == ["t": "web:1", "dockerfile_text": "FROM busybox\r\nRUN echo \"hi\""])
        #expect(file == Self.file)
        let limited = MultipartReader(body: RequestBody(chunks: chunks), boundary: Self.boundary)
        _ = try await limited.nextPart()
        _ = try await limited.nextPart()
        await #expect(throws: HTTPError.self) { _ = try await limited.text(limit: 4) }
    }

    @Test func headerParameters() {
        #expect(MultipartParser.parameter("name", in: #"form-data; name="a b"; filename="x.tar""#) == "a b")
        #expect(MultipartParser.parameter("filename", in: #"form-data; name=a; filename=x.tar"#) == "x.tar")
        #expect(MultipartParser.parameter("filename", in: #"form-data; name="f"; filename*=UTF-8''x"#) == nil)
        #expect(MultipartParser.parameter("name", in: #"form-data; filename="n;a\"me"; name="z""#) == "z")
    }
}
