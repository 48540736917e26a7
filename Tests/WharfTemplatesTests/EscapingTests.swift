import Testing
import WharfTemplates

@Suite struct EscapingTests {
    @Test func escapesAllFiveSpecialCharacters() throws {
        let output = try render("<p>{{ s }}</p>", ["s": "<a href=\"x\">'Tom' & Jerry</a>"])
        #expect(output == "<p>&lt;a href=&quot;x&quot;&gt;&#39;Tom&#39; &amp; Jerry&lt;/a&gt;</p>")
    }

    @Test(arguments: [
        ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\"", "&quot;"), ("'", "&#39;"),
        ("a&&b", "a&amp;&amp;b"), ("<<>>", "&lt;&lt;&gt;&gt;"), ("", ""),
    ])
    func escapesEachCharacter(input: String, expected: String) throws {
        #expect(try render("{{ s }}", ["s": .text(input)]) == expected)
        #expect(try render("<a title=\"{{ s }}\">", ["s": .text(input)]) == "<a title=\"\(expected)\">")
    }

    @Test func copiesTextWithoutSpecialCharactersUnchanged() throws {
        let text = "héllo — 日本語 🚢 plain text, with commas; and = signs"
        #expect(try render("{{ s }}", ["s": .text(text)]) == text)
        #expect(HTMLEscaping.escape("x < y") == "x &lt; y")
    }

    @Test func trustedHTMLIsEscapedByPlainOutput() throws {
        #expect(try render("{{ html }}", ["html": .trustedHTML("<b>hi</b>")]) == "&lt;b&gt;hi&lt;/b&gt;")
    }

    @Test func rawOutputEmitsTrustedHTMLUnescaped() throws {
        #expect(try render("<div>{{ raw html }}</div>", ["html": .trustedHTML("<b>hi</b>")]) == "<div><b>hi</b></div>")
        #expect(try render("<div>{{ raw html }}</div>", ["html": .null]) == "<div></div>")
    }

    @Test func rawOutputOfTextIsARenderError() throws {
        let error = try renderError("<p>\n  {{ raw banner }}</p>", ["banner": "<script>alert(1)</script>"])
        #expect(error == "page.html:2:3: {{ raw banner }} needs trusted HTML, but the value is text")
    }

    @Test func rawOutputOfOtherKindsIsARenderError() throws {
        #expect(try renderError("{{ raw n }}", ["n": 3]) == "page.html:1:1: {{ raw n }} needs trusted HTML, but the value is an int")
    }

    @Test func printsIntsBoolsAndNull() throws {
        let context: TemplateValue = ["n": 42, "negative": .int(-7), "min": .int(Int.min), "yes": true, "no": false, "nothing": .null]
        let output = try render("{{ n }} {{ negative }} {{ min }} {{ yes }} {{ no }} [{{ nothing }}]", context)
        #expect(output == "42 -7 \(Int.min) true false []")
        #expect(try render("{{ zero }}", ["zero": 0]) == "0")
    }

    @Test func rawAloneIsAnOrdinaryName() throws {
        #expect(try render("{{ raw }}", ["raw": "<i>"]) == "&lt;i&gt;")
    }

    @Test func printsStringAndNumberLiterals() throws {
        #expect(try render("{{ \"{{ <x> }}\" }} {{ 'it\\'s' }} {{ 12 }}") == "{{ &lt;x&gt; }} it&#39;s 12")
    }

    @Test func printingAListOrObjectIsARenderError() throws {
        #expect(
            try renderError("{{ hosts }}", ["hosts": ["a"]])
                == "page.html:1:1: cannot print 'hosts', which is a list; loop over it or print one of its fields")
        #expect(
            try renderError("x{{ user }}", ["user": ["name": "n"]])
                == "page.html:1:2: cannot print 'user', which is an object; loop over it or print one of its fields")
    }

    @Test func renderingIntoABufferAppendsBytes() throws {
        let templates = try library(["page": "<p>{{ s }}</p>"])
        var buffer = Array("HTTP/1.1 200 OK\r\n\r\n".utf8)
        try templates.render("page", ["s": "a&b"], into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "HTTP/1.1 200 OK\r\n\r\n<p>a&amp;b</p>")
    }

    @Test func aFailedRenderLeavesTheBufferAsItWas() throws {
        let templates = try library(["page": "<p>long text before the error {{ missing }}</p>"])
        var buffer = Array("head".utf8)
        #expect(throws: TemplateError.self) { try templates.render("page", [:], into: &buffer) }
        #expect(buffer == Array("head".utf8))
    }
}
