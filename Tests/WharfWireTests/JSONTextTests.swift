import Testing
import WharfWire

/// `JSONText`'s two ways of writing a string: `quoted` (the access log, the audit history, whose
/// chain hashes it) and the value writer (the endpoint's bodies, events), one loop apart.
@Suite struct JSONTextTests {
    static let text = "a \"q\" \\ b\n\r\t\u{1}\u{1F}\u{7F} é 🐳 <img src=x onerror=alert(1)>"

    @Test func quotedWritesNewlinesShortAndOtherControlsAsUnicodeEscapes() {
        // As the audit chain has always hashed it.
        #expect(JSONText.quoted(Self.text) == #""a \"q\" \\ b\n\r\t\u0001\u001f"# + "\u{7F} é 🐳 <img src=x onerror=alert(1)>\"")
        #expect(JSONText.quoted("") == "\"\"")
    }

    @Test func valuesWriteEveryControlAsAUnicodeEscapeAndReadBack() throws {
        let serialized = JSONText.string(Self.text).serialized
        #expect(String(decoding: serialized, as: UTF8.self)
            == #""a \"q\" \\ b\u000a\u000d\u0009\u0001\u001f"# + "\u{7F} é 🐳 <img src=x onerror=alert(1)>\"")
        #expect(try JSONText.parse(serialized) == .string(Self.text))
        #expect(try JSONText.parse(Array(JSONText.quoted(Self.text).utf8)) == .string(Self.text))
    }
}
