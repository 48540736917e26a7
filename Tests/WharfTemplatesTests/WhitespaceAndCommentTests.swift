import Testing
import WharfTemplates

@Suite struct WhitespaceAndCommentTests {
    @Test func commentsProduceNothing() throws {
        #expect(try render("a{# one #}b{#\n multi {{ x }} {% if %} line\n#}c") == "abc")
    }

    @Test func tagTrimMarkersRemoveWhitespaceOnThatSide() throws {
        let source = "<ul>\n  {%- for x in xs -%}\n  <li>{{ x }}</li>\n  {%- endfor -%}\n</ul>"
        #expect(try render(source, ["xs": [1, 2]]) == "<ul><li>1</li><li>2</li></ul>")
    }

    @Test func outputTrimMarkersRemoveWhitespaceOnThatSide() throws {
        #expect(try render("a  \n {{- x }} b", ["x": "X"]) == "aX b")
        #expect(try render("a {{ x -}} \n\t b", ["x": "X"]) == "a Xb")
        #expect(try render("[ {{- x -}} ]", ["x": "X"]) == "[X]")
    }

    @Test func commentTrimMarkersRemoveWhitespaceOnThatSide() throws {
        #expect(try render("a \n{#- note -#}\n b") == "ab")
    }

    @Test func withoutMarkersWhitespaceIsKept() throws {
        #expect(try render("{% if on %}\n  x\n{% endif %}\n", ["on": true]) == "\n  x\n\n")
    }

    @Test func trimmingOnlyAffectsTheAdjacentText() throws {
        #expect(try render("a {%- if on %} b {% endif -%} c", ["on": true]) == "a b c")
    }

    @Test func aHyphenNotNextToTheDelimiterIsNotATrimMarker() throws {
        #expect(try render("a {{ -3 }} b") == "a -3 b")
    }
}
