import Testing
import WharfApp

/// `MultipartForm`, the decoder of host forms with file inputs, on bodies the fuzzer
/// (`Tests/Fuzz`, target `multipart`) found.
@Suite struct MultipartFormTests {
    /// The blank line ending a part's headers was also taken as the CRLF of the next delimiter:
    /// the value's end came before its start, and building the range trapped (a crash from one
    /// request). The delimiter must follow the value.
    @Test func aDelimiterRightAfterThePartHeadersIsMalformedNotACrash() {
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n--b--\r\n".utf8)
        #expect(MultipartForm.pairs(body, boundary: "b") == nil)
        #expect(MultipartForm.firstPart(body, boundary: "b") == .incomplete)
    }

    @Test func anEmptyValueIsStillRead() throws {
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n--b--\r\n".utf8)
        let pairs = try #require(MultipartForm.pairs(body, boundary: "b"))
        #expect(pairs.map(\.name) == ["a"] && pairs.map(\.value) == [""])
        #expect(MultipartForm.firstPart(body, boundary: "b") == .field(name: "a", isFile: false, value: []))
    }
}
