import Testing
import WharfHTTP
import WharfWire

/// What the head parser decides for each kind of request, and the status each error maps to.
@Suite struct HTTPHeadParserTests {
    static func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) throws(HTTPParseError) -> (head: HTTPRequestHead, consumed: Int)? {
        var parser = HTTPHeadParser(limits: limits)
        let bytes = Array(text.utf8)
        return try bytes.withBytes { raw throws(HTTPParseError) in try parser.parse(raw) }
    }

    static func error(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
        do throws(HTTPParseError) {
            _ = try parse(text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func simpleRequestGivesMethodPathQueryAndHeadersInOrder() throws {
        let (head, consumed) = try #require(try Self.parse("GET /hosts/1?tab=logs&x=%20 HTTP/1.1\r\nHost: wharf\r\nAccept: */*\r\nX-Two: a\r\nx-two: b\r\n\r\nrest"))
        #expect(head.method == .get)
        #expect(head.target == "/hosts/1?tab=logs&x=%20")
        #expect(head.path == "/hosts/1")
        #expect(head.query == "tab=logs&x=%20")
        #expect(head.minorVersion == 1)
        #expect(head.headers.map(\.name) == ["Host", "Accept", "X-Two", "x-two"])
        #expect(head.headers.values("X-TWO") == ["a", "b"])
        #expect(head.framing == .none)
        #expect(head.keepAlive)
        #expect(!head.expectsContinue)
        #expect(consumed == "GET /hosts/1?tab=logs&x=%20 HTTP/1.1\r\nHost: wharf\r\nAccept: */*\r\nX-Two: a\r\nx-two: b\r\n\r\n".utf8.count)
    }

    @Test func incompleteHeadAsksForMore() throws {
        #expect(try Self.parse("GET / HTTP/1.1\r\nHost: a\r\n") == nil)
        #expect(try Self.parse("GET / HT") == nil)
        #expect(try Self.parse("") == nil)
    }

    @Test func absoluteFormKeepsOnlyPathAndQuery() throws {
        let head = try #require(try Self.parse("GET http://example.com:8080/a/b?c=d HTTP/1.1\r\nHost: example.com\r\n\r\n")).head
        #expect(head.target == "/a/b?c=d")
        #expect(head.path == "/a/b")
        let bare = try #require(try Self.parse("GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n")).head
        #expect(bare.path == "/")
    }

    @Test func framingComesFromContentLengthOrChunked() throws {
        #expect(try Self.parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n")?.head.framing == .length(12))
        #expect(try Self.parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")?.head.framing == BodyFraming.none)
        #expect(try Self.parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n")?.head.framing == .chunked)
    }

    @Test func persistenceFollowsVersionAndConnectionHeader() throws {
        #expect(try Self.parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n")?.head.keepAlive == true)
        #expect(try Self.parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\n")?.head.keepAlive == false)
        #expect(try Self.parse("GET / HTTP/1.0\r\n\r\n")?.head.keepAlive == false)
        #expect(try Self.parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")?.head.keepAlive == true)
    }

    @Test func expectContinueOnlyCountsWithABodyOnHTTP11() throws {
        #expect(try Self.parse("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")?.head.expectsContinue == true)
        #expect(try Self.parse("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n")?.head.expectsContinue == false)
        #expect(try Self.parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")?.head.expectsContinue == false)
    }

    /// A request the parser refuses, named for the test report (the text can be 32 KiB).
    struct Rejected: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        let status: Int
        init(_ name: String, _ text: String, _ status: Int) {
            self.name = name
            self.text = text
            self.status = status
        }
        var testDescription: String { "\(name) → \(status)" }
    }

    static let rejected: [Rejected] = [
        Rejected("request line over 8 KiB", "GET /" + String(repeating: "a", count: 8 * 1024) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414),
        Rejected("header block over 32 KiB", "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "b", count: 32 * 1024) + "\r\n\r\n", 431),
        Rejected("101 header lines", "GET / HTTP/1.1\r\n" + (0..<101).map { "X-\($0): v\r\n" }.joined() + "\r\n", 431),
        Rejected("Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", 400),
        Rejected("two Content-Length values", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
        Rejected("a non-numeric Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1e3\r\n\r\n", 400),
        Rejected("a coding other than chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: deflate\r\n\r\n", 400),
        Rejected("a control character in a header value", "GET / HTTP/1.1\r\nHost: a\r\nX: \u{1b}[31m\r\n\r\n", 400),
        Rejected("bare LF in the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400),
        Rejected("bare LF in the headers", "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", 400),
        Rejected("the HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400),
        Rejected("HTTP/3.0", "GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505),
        Rejected("BREW", "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n", 501),
        Rejected("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n", 501),
        Rejected("Expect other than 100-continue", "GET / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\n\r\n", 417),
        Rejected("no Host on HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400),
    ]

    @Test(arguments: rejected)
    func rejectedRequestMapsToItsStatus(_ input: Rejected) {
        let error = Self.error(input.text)
        #expect(error?.status.code == input.status, "\(input.name): \(String(describing: error))")
    }

    @Test func requestLineLimitFailsBeforeTheLineEnds() {
        // 8 KiB + 1 of target with no CRLF yet: refused at once, not after the rest arrives.
        #expect(Self.error("GET /" + String(repeating: "a", count: 8 * 1024)) == .requestLineTooLong)
    }

    @Test func headerLimitsFailBeforeTheBlockEnds() {
        #expect(Self.error("GET / HTTP/1.1\r\nX: " + String(repeating: "b", count: 33 * 1024)) == .headersTooLarge)
        #expect(Self.error("GET / HTTP/1.1\r\n" + String(repeating: "X: v\r\n", count: 101)) == .tooManyHeaders)
    }

    @Test func tlsHandshakeFailsOnItsFirstByte() {
        var parser = HTTPHeadParser(limits: HTTPLimits())
        let hello: [UInt8] = [0x16, 0x03, 0x01]
        #expect(throws: HTTPParseError.self) {
            try hello.withBytes { raw throws(HTTPParseError) in _ = try parser.parse(raw) }
        }
    }

    @Test func parserIsReusableAfterReset() throws {
        var parser = HTTPHeadParser(limits: HTTPLimits())
        let first = Array("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        let second = Array("POST /2 HTTP/1.1\r\nHost: b\r\nContent-Length: 1\r\n\r\nx".utf8)
        let one = try #require(try first.withBytes { raw throws(HTTPParseError) in try parser.parse(raw) })
        #expect(one.head.path == "/1")
        parser.reset()
        let two = try #require(try second.withBytes { raw throws(HTTPParseError) in try parser.parse(raw) })
        #expect(two.head.path == "/2")
        #expect(two.head.framing == .length(1))
    }
}
