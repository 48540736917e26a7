import Testing
import WharfTemplates

@Suite struct URLFilterTests {
    private static let blocked = "about:invalid#wharf-unsafe-url"

    @Test(arguments: [
        "javascript:alert(1)", "JaVaScRiPt:alert(1)", "\u{0}javascript:alert(1)", " \t\njavascript:alert(1)",
        "java\tscript:alert(1)", "java\nscript:alert(1)", "\u{1F}javascript:x", "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox", "DATA:image/svg+xml,<svg>", "file:///etc/passwd", "ftp://example.com/", "mailtox:a",
        "http :x", "https\u{0}:x",
    ])
    func unsafeURLsAreReplaced(url: String) throws {
        let output = try render("<a href=\"{{ u }}\">x</a><img src='{{ u }}'><form action=\"{{ u }}\"><button formaction=\"{{ u }}\">", ["u": .text(url)])
        #expect(output == "<a href=\"\(Self.blocked)\">x</a><img src='\(Self.blocked)'><form action=\"\(Self.blocked)\"><button formaction=\"\(Self.blocked)\">")
    }

    @Test(arguments: [
        "https://example.com/a?b=c", "http://example.com", "HTTPS://EXAMPLE.COM", "mailto:ops@example.com",
        "/hosts/1", "hosts/1", "?page=2", "#top", "//cdn.example.com/x.js", "", "a/b:c", "./javascript:x",
    ])
    func safeURLsAreKept(url: String) throws {
        #expect(try render("<a href=\"{{ u }}\">", ["u": .text(url)]) == "<a href=\"\(url)\">")
    }

    @Test func urlsAreStillEscaped() throws {
        #expect(try render("<a href=\"{{ u }}\">", ["u": "/search?q=a&b=\"c\"'"]) == "<a href=\"/search?q=a&amp;b=&quot;c&quot;&#39;\">")
    }

    @Test func trustedHTMLInAURLIsFilteredToo() throws {
        #expect(try render("<a href=\"{{ u }}\">", ["u": .trustedHTML("javascript:x")]) == "<a href=\"\(Self.blocked)\">")
    }

    @Test func numbersAndNullAreSafeURLs() throws {
        #expect(try render("<a href=\"{{ n }}\" src=\"{{ none }}\">", ["n": 5, "none": .null]) == "<a href=\"5\" src=\"\">")
    }

    @Test func aLiteralPathOrQueryBeforeTheValueFixesTheScheme() throws {
        let source = "<a href=\"/hosts/{{ id }}\"></a><a href=\"?q={{ id }}\"></a><a href=\"https://example.com/{{ id }}\"></a><a href=\"mailto:{{ id }}\"></a>"
        #expect(try render(source, ["id": "javascript:x"]) == "<a href=\"/hosts/javascript:x\"></a><a href=\"?q=javascript:x\"></a><a href=\"https://example.com/javascript:x\"></a><a href=\"mailto:javascript:x\"></a>")
    }

    @Test func aLiteralPrefixWithoutSchemeIsCheckedTogetherWithTheValue() throws {
        #expect(try render("<a href=\"java{{ rest }}\">", ["rest": "script:alert(1)"]) == "<a href=\"java\(Self.blocked)\">")
        #expect(try render("<a href=\" {{ u }}\">", ["u": "javascript:x"]) == "<a href=\" \(Self.blocked)\">")
        #expect(try render("<a href=\"hosts-{{ id }}\">", ["id": "7"]) == "<a href=\"hosts-7\">")
    }

    @Test func valuesAfterAnInterpolatedSchemePositionAreRejected() {
        #expect(
            loadError("<a href=\"{{ a }}{{ b }}\">")
                == "page.html:1:17: this value could form the scheme of the URL in 'href' (after another interpolation or an {% if %}); use one value for the whole URL, or put a literal '/', '?' or '#' before it")
        #expect(
            loadError("<a href=\"{{ scheme }}://{{ host }}\">")
                == "page.html:1:22: ':' after an interpolated value could make that value a URL scheme; use one value for the whole URL")
        #expect(
            loadError("<a href=\"{% if x %}/a{% endif %}{{ u }}\">")
                == "page.html:1:33: this value could form the scheme of the URL in 'href' (after another interpolation or an {% if %}); use one value for the whole URL, or put a literal '/', '?' or '#' before it")
    }

    @Test func aLiteralUnsafeSchemeTakesNoInterpolation() {
        #expect(
            loadError("<a href=\"javascript:go({{ id }})\">")
                == "page.html:1:24: no interpolation into a URL whose scheme is not http, https or mailto ('href')")
    }

    @Test func valuesAfterAPathSeparatorAreFine() throws {
        #expect(try render("<a href=\"{{ base }}/hosts/{{ id }}\">", ["base": "https://wharf.example", "id": "javascript:x"]) == "<a href=\"https://wharf.example/hosts/javascript:x\">")
    }

    @Test func styleAttributesAcceptOnlyPlainValues() throws {
        let source = "<div class=\"bar\" style=\"width: {{ pct }}%; color: {{ color }}\"></div>"
        #expect(try render(source, ["pct": 40, "color": "#ff0000"]) == "<div class=\"bar\" style=\"width: 40%; color: #ff0000\"></div>")
        #expect(try render(source, ["pct": 1, "color": "red; background: url(//evil)"]) == "<div class=\"bar\" style=\"width: 1%; color: wharf-unsafe-css\"></div>")
    }

    @Test func srcdocTakesNoInterpolation() {
        #expect(loadError("<iframe srcdoc=\"{{ html }}\"></iframe>") == "page.html:1:17: no interpolation inside 'srcdoc', which holds HTML")
    }
}
