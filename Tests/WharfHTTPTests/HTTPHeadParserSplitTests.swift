import Testing
import WharfHTTP
import WharfWire

/// The head parser is fed the bytes received so far, as often as more arrive. Whatever way the
/// input is split, the answer (the head, or the error) must be the one whole-input parsing gives.
@Suite struct HTTPHeadParserSplitTests {
    /// What parsing produced, in a form that can be compared.
    enum Outcome: Equatable, CustomStringConvertible {
        case head(Snapshot)
        case error(HTTPParseError)
        case incomplete

        var description: String {
            switch self {
            case .head(let snapshot): "head \(snapshot)"
            case .error(let error): "error \(error) (\(error.status.code))"
            case .incomplete: "incomplete"
            }
        }
    }

    struct Snapshot: Equatable {
        var method: String
        var target: String
        var path: String
        var query: String?
        var minorVersion: Int
        var headers: [String]
        var framing: BodyFraming
        var keepAlive: Bool
        var expectsContinue: Bool
        var consumed: Int

        init(_ head: HTTPRequestHead, consumed: Int) {
            method = head.method.rawValue
            target = head.target
            path = head.path
            query = head.query
            minorVersion = head.minorVersion
            headers = head.headers.map { "\($0.name): \($0.value)" }
            framing = head.framing
            keepAlive = head.keepAlive
            expectsContinue = head.expectsContinue
            self.consumed = consumed
        }
    }

    /// A request and the limits it is parsed with.
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let limits: HTTPLimits

        init(_ name: String, _ text: String, limits: HTTPLimits = HTTPLimits()) {
            self.name = name
            bytes = Array(text.utf8)
            self.limits = limits
        }

        init(_ name: String, bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) {
            self.name = name
            self.bytes = bytes
            self.limits = limits
        }

        var testDescription: String { name }
    }

    static let small: HTTPLimits = {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 40
        limits.maxHeaderBytes = 64
        limits.maxHeaderCount = 3
        return limits
    }()

    static let valid: [Case] = [
        Case("simple GET", "GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        Case("POST with a body after the head", "POST /submit?x=1&y=%20 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"),
        Case("empty lines before the request line", "\r\n\r\nGET /after-empty-lines HTTP/1.1\r\nHost: a\r\n\r\n"),
        Case("chunked with Expect", "PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"),
        Case("HTTP/1.0 keep-alive", "GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
        Case("HTTP/1.0 default close", "GET /old HTTP/1.0\r\n\r\n"),
        Case("HTTP/1.1 Connection close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
        Case("absolute-form target", "GET http://example.com/abs/path?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"),
        Case("asterisk-form OPTIONS", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
        Case("optional whitespace and empty values", "GET / HTTP/1.1\r\nHost:a\r\nX-A:   spaced value \t\r\nX-Empty:\r\nX-Obs: caf\u{e9}\r\n\r\n"),
        Case("repeated equal Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc"),
        // "GET /" + 26 + " HTTP/1.1" is 40 bytes: exactly `small.maxRequestLineBytes`.
        Case("request line exactly at the limit", "GET /" + String(repeating: "a", count: 26) + " HTTP/1.1\r\nHost: a\r\n\r\n", limits: small),
        Case("header count exactly at the limit", "GET / HTTP/1.1\r\nHost: a\r\nB: 1\r\nC: 2\r\n\r\n", limits: small),
        Case("a second request pipelined behind", "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"),
    ]

    static let invalid: [Case] = [
        Case("request line one byte over the limit", "GET /" + String(repeating: "a", count: 27) + " HTTP/1.1\r\nHost: a\r\n\r\n", limits: small),
        Case("request line over the limit without its end", "GET /" + String(repeating: "a", count: 100), limits: small),
        Case("header block over the limit", "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "b", count: 80) + "\r\n\r\n", limits: small),
        Case("too many header lines", "GET / HTTP/1.1\r\nHost: a\r\nB: 1\r\nC: 2\r\nD: 3\r\n\r\n", limits: small),
        Case("bare LF ending the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n"),
        Case("bare LF in the header block", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n"),
        Case("bare LF ending the header block", "GET / HTTP/1.1\r\nHost: a\r\n\n"),
        Case("bare LF before the request", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        Case("control character in a header value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{1}b\r\n\r\n"),
        Case("DEL in a header value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{7f}b\r\n\r\n"),
        Case("CR inside a header value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n"),
        Case("obsolete line folding", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n"),
        Case("space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
        Case("Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
        Case("two different Content-Length values", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
        Case("a list of different Content-Length values", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n"),
        Case("a signed Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n"),
        Case("gzip transfer coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"),
        Case("gzip then chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
        Case("chunked on HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
        Case("HTTP/1.1 without Host", "GET / HTTP/1.1\r\nX: y\r\n\r\n"),
        Case("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        Case("the HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
        Case("HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: a\r\n\r\n"),
        Case("lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n"),
        Case("unknown method", "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n"),
        Case("CONNECT is not implemented", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
        Case("unsupported expectation", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx"),
        Case("NUL in the target", bytes: Array("GET /a".utf8) + [0] + Array("b HTTP/1.1\r\nHost: a\r\n\r\n".utf8)),
        Case("a TLS ClientHello", bytes: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03] + Array(repeating: 0x41, count: 32)),
        Case("text that is not HTTP", "hello there\r\n\r\n"),
        Case("a method longer than any real one", String(repeating: "G", count: 40) + " / HTTP/1.1\r\nHost: a\r\n\r\n"),
        Case("a relative target", "GET index.html HTTP/1.1\r\nHost: a\r\n\r\n"),
        Case("too many empty lines first", String(repeating: "\r\n", count: 20) + "GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        // Found by the fuzzer (Tests/Fuzz, target http-head): an over-long line ending in a bare
        // LF was 414 when it arrived in pieces (the limit is checked while the line arrives) but
        // 400 when whole (the bare LF was checked first).
        Case("over-long request line ended by a bare LF", "GET /" + String(repeating: "a", count: 40) + " HTTP/1.1\rGET /\nHost: a\r\n\r\n", limits: small),
    ]

    // MARK: Feeding

    static func whole(_ bytes: [UInt8], _ limits: HTTPLimits) -> Outcome {
        var parser = HTTPHeadParser(limits: limits)
        return feed(&parser, bytes) ?? .incomplete
    }

    /// One call with the first `count` bytes; nil when the parser asks for more.
    static func feed(_ parser: inout HTTPHeadParser, _ bytes: some Collection<UInt8>) -> Outcome? {
        let array = Array(bytes)
        do throws(HTTPParseError) {
            return try array.withBytes { raw throws(HTTPParseError) in
                try parser.parse(raw).map { .head(Snapshot($0.head, consumed: $0.consumed)) }
            }
        } catch {
            return .error(error)
        }
    }

    /// The first `split` bytes, then all of them.
    static func split(_ bytes: [UInt8], at split: Int, _ limits: HTTPLimits) -> Outcome {
        var parser = HTTPHeadParser(limits: limits)
        if let early = feed(&parser, bytes.prefix(split)) { return early }
        return feed(&parser, bytes) ?? .incomplete
    }

    /// One more byte at a time.
    static func byteByByte(_ bytes: [UInt8], _ limits: HTTPLimits) -> Outcome {
        var parser = HTTPHeadParser(limits: limits)
        for count in 0...bytes.count {
            if let outcome = feed(&parser, bytes.prefix(count)) { return outcome }
        }
        return .incomplete
    }

    // MARK: Tests

    @Test(arguments: valid)
    func validRequestParsesIdenticallyAtEverySplit(_ input: Case) throws {
        let expected = Self.whole(input.bytes, input.limits)
        guard case .head = expected else {
            Issue.record("\(input.name): whole input gave \(expected)")
            return
        }
        for point in 0...input.bytes.count {
            let outcome = Self.split(input.bytes, at: point, input.limits)
            #expect(outcome == expected, "\(input.name): split at \(point) gave \(outcome), whole gave \(expected)")
        }
        #expect(Self.byteByByte(input.bytes, input.limits) == expected, "\(input.name): byte by byte")
    }

    @Test(arguments: invalid)
    func invalidRequestFailsIdenticallyAtEverySplit(_ input: Case) throws {
        let expected = Self.whole(input.bytes, input.limits)
        guard case .error = expected else {
            Issue.record("\(input.name): whole input gave \(expected)")
            return
        }
        for point in 0...input.bytes.count {
            let outcome = Self.split(input.bytes, at: point, input.limits)
            #expect(outcome == expected, "\(input.name): split at \(point) gave \(outcome), whole gave \(expected)")
        }
        #expect(Self.byteByByte(input.bytes, input.limits) == expected, "\(input.name): byte by byte")
    }
}
