import Testing
import WharfApp
import WharfHTTP
import WharfWire

/// Reading the `Cookie` header, on inputs the fuzzer (`Tests/Fuzz`, target `cookie`) found.
@Suite struct CookiesTests {
    static func request(_ cookie: String) -> HTTPRequest {
        HTTPRequest.make(.get, "/", headers: ["Host": "localhost", "Cookie": cookie])
    }

    /// The header was split on Characters: `=` or `;` followed by a combining mark is one
    /// Character, so a value starting with one was not found, and `;` before one did not end
    /// the pair (the previous cookie's value then ran on, `;` included). RFC 6265 §5.4 splits
    /// on the bytes.
    @Test func theHeaderIsSplitOnBytesNotCharacters() {
        #expect(Cookies.value("wharf_session", in: Self.request("wharf_session=\u{36B}=T")) == "\u{36B}=T")
        #expect(Cookies.value("a", in: Self.request("a=1;\u{301}b=2")) == "1")
        #expect(Cookies.value("b", in: Self.request("a=1; b=2;\u{301}")) == "2")
    }

    @Test func theFirstPairWithTheNameWins() {
        #expect(Cookies.value("a", in: Self.request(" x=1;a=v ; a=2")) == "v")
        #expect(Cookies.value("a", in: Self.request("a")) == nil)
        #expect(Cookies.value("a", in: Self.request("b=a=1")) == nil)
    }
}
