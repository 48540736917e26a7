import Testing
@testable import WharfDocker
import WharfTestSupport
import WharfWire

@Suite struct ResponseHeadParserTests {
    /// A 404 as dockerd 20.10 sends it, followed by its body.
    static let recorded = Array((
        "HTTP/1.1 404 Not Found\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
            + "Docker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\n"
            + "Date: Tue, 24 Nov 2026 18:34:58 GMT\r\nContent-Length: 38\r\n\r\n"
            + "{\"message\":\"No such container: nope\"}\n").utf8)

    /// Feeds `chunks` as a connection would: the parser sees everything received so far.
    static func parse(_ chunks: [[UInt8]]) throws -> (DockerResponseHead, Int)? {
        var parser = ResponseHeadParser()
        var received: [UInt8] = []
        for chunk in chunks {
            received += chunk
            if let result = try received.withUnsafeBytes({ try parser.parse($0) }) { return (result.head, result.consumed) }
        }
        return nil
    }

    @Test func parsesADockerHeadAtEverySplitPoint() throws {
        for chunks in Splits.all(Self.recorded) {
            let (head, consumed) = try #require(try Self.parse(chunks))
            #expect(head.status == 404)
            #expect(head.reason == "Not Found")
            #expect(head.headers["api-version"] == "1.41")
            #expect(head.headers["Content-Length"] == "38")
            #expect(head.headers.count == 7)
            #expect(consumed == Self.recorded.count - 38)
            #expect(try head.framing(requestMethod: "GET") == .length(38))
        }
    }

    @Test func acceptsBareLFLineEnds() throws {
        let (head, consumed) = try #require(try Self.parse([Array("HTTP/1.1 204 No Content\nX: y\n\nrest".utf8)]))
        #expect(head.status == 204)
        #expect(head.headers["x"] == "y")
        #expect(consumed == 30)
        #expect(try head.framing(requestMethod: "GET") == .empty)
    }

    @Test func needsMoreUntilTheEmptyLine() throws {
        #expect(try Self.parse([Array("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n".utf8)]) == nil)
    }

    @Test(arguments: [
        "HTTP/2 200 OK\r\n\r\n", "SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        "\r\nHTTP/1.1 200 OK\r\n\r\n",
    ])
    func rejectsWhatIsNotAnHTTP11Head(_ text: String) {
        #expect(throws: ResponseHeadParser.Failure.self) { try Self.parse([Array(text.utf8)]) }
    }

    @Test func rejectsAnEndlessHead() {
        let endless = Array("HTTP/1.1 200 OK\r\n".utf8) + Array(repeating: UInt8(ascii: "a"), count: 70 * 1024)
        #expect(throws: ResponseHeadParser.Failure.self) { try Self.parse([endless]) }
    }

    @Test func framingFollowsRFC9112() throws {
        func framing(_ fields: HTTPHeaders, status: Int = 200, method: String = "GET") throws -> BodyFraming {
            try DockerResponseHead(status: status, headers: fields).framing(requestMethod: method)
        }
        #expect(try framing(["Transfer-Encoding": "chunked", "Content-Length": "5"]) == .chunked)
        #expect(try framing(["Transfer-Encoding": "gzip"]) == .untilClose)
        #expect(try framing([:]) == .untilClose)
        #expect(try framing(["Content-Length": "7"], method: "HEAD") == .empty)
        #expect(try framing(["Content-Length": "7"], status: 304) == .empty)
        #expect(try framing(["Content-Length": "7, 7"]) == .length(7))
        #expect(throws: ResponseHeadParser.Failure.self) { try framing(["Content-Length": "7, 8"]) }
        #expect(throws: ResponseHeadParser.Failure.self) { try framing(["Content-Length": "-1"]) }
        // Content-Length is 1*DIGIT (RFC 9110 §8.6); a sign made a length of "+5" (found by
        // the fuzzer, Tests/Fuzz target docker-head), which RFC 9112 §6.3 calls invalid framing.
        for invalid in ["+5", "+0", "5, +5", "0x10", " "] {
            #expect(throws: ResponseHeadParser.Failure.self, "\(invalid)") { try framing(["Content-Length": invalid]) }
        }
        #expect(DockerResponseHead(status: 200, minorVersion: 0).keepsAlive == false)
        #expect(DockerResponseHead(status: 200, headers: ["Connection": "close"]).keepsAlive == false)
        #expect(DockerResponseHead(status: 200).keepsAlive)
    }
}
