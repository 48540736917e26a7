import Testing
import WharfHTTP
import WharfWire

/// How a request head splits its target into path and query.
@Suite struct HTTPRequestHeadTests {
    /// The query began one Character after the `?`, so a combining mark right after it (which
    /// joins the `?` into one Character) was dropped from the query (found by the fuzzer,
    /// Tests/Fuzz target form). Targets from the wire are ASCII; heads built in code are not.
    @Test func theQueryStartsRightAfterTheQuestionMark() {
        let head = HTTPRequestHead(method: .get, target: "/search?\u{301}x=1&y")
        #expect(head.path == "/search")
        #expect(head.query == "\u{301}x=1&y")
        #expect(HTTPRequestHead(method: .get, target: "/a?").query == "")
        #expect(HTTPRequestHead(method: .get, target: "/a").query == nil)
    }
}
