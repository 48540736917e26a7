import Testing
import WharfTemplates

@Suite struct HTMLContextTests {
    @Test func noInterpolationInsideScriptOrStyle() {
        #expect(loadError("<script>\n  var user = \"{{ name }}\";\n</script>") == "page.html:2:15: no interpolation inside <script>")
        #expect(loadError("<SCRIPT type=\"module\">{{ x }}</SCRIPT>") == "page.html:1:23: no interpolation inside <script>")
        #expect(loadError("<style>body { color: {{ c }} }</style>") == "page.html:1:22: no interpolation inside <style>")
        #expect(loadError("<script>{{ raw js }}</script>") == "page.html:1:9: no interpolation inside <script>")
        #expect(loadError("<script>{% include \"page\" %}</script>") == "page.html:1:9: {% include %} is only allowed in HTML text, not inside <script>")
    }

    @Test func textAfterTheEndOfAScriptIsOrdinaryText() throws {
        #expect(try render("<script src=\"/app.js\"></script ><p>{{ x }}</p><script>if (a </b) {}</script>{{ x }}", ["x": "<"]) == "<script src=\"/app.js\"></script ><p>&lt;</p><script>if (a </b) {}</script>&lt;")
        #expect(loadError("<script>\"</scrip\" + \"</scripts>\"; {{ x }}</script>") == "page.html:1:35: no interpolation inside <script>")
    }

    @Test func attributesOfTheScriptTagItselfAreOrdinaryAttributes() throws {
        #expect(try render("<script nonce=\"{{ nonce }}\" src=\"/a.js\"></script>", ["nonce": "abc"]) == "<script nonce=\"abc\" src=\"/a.js\"></script>")
    }

    @Test func titleAndTextareaContentIsEscapedNotRejected() throws {
        let source = "<title>{{ t }}</title><textarea name=\"n\">{{ t }}</textarea>"
        #expect(try render(source, ["t": "</textarea><script>"]) == "<title>&lt;/textarea&gt;&lt;script&gt;</title><textarea name=\"n\">&lt;/textarea&gt;&lt;script&gt;</textarea>")
        #expect(loadError("<title>{{ raw t }}</title>") == "page.html:1:8: {{ raw }} is only allowed in HTML text, not inside <title>")
    }

    @Test func noInterpolationInEventHandlers() {
        #expect(loadError("<button onclick=\"go('{{ id }}')\">") == "page.html:1:22: no interpolation inside the event-handler attribute 'onclick'")
        #expect(loadError("<img src=\"/x.png\" ONERROR='{{ x }}'>") == "page.html:1:28: no interpolation inside the event-handler attribute 'onerror'")
    }

    @Test func attributesMustBeQuoted() {
        #expect(loadError("<a href={{ x }}>") == "page.html:1:9: attributes must be quoted: write name=\"{{ … }}\"")
        #expect(loadError("<a class=btn-{{ x }}>") == "page.html:1:14: attributes must be quoted: write name=\"{{ … }}\"")
        #expect(loadError("<input value = {{ x }}>") == "page.html:1:16: attributes must be quoted: write name=\"{{ … }}\"")
    }

    @Test func noInterpolationInTagsAttributeNamesOrComments() {
        #expect(loadError("<{{ tag }}>") == "page.html:1:2: no interpolation inside a tag name")
        #expect(loadError("<h{{ level }}>") == "page.html:1:3: no interpolation inside a tag name")
        #expect(loadError("<div {{ attrs }}>") == "page.html:1:6: no interpolation between attributes; interpolate quoted attribute values (name=\"{{ … }}\")")
        #expect(loadError("<div data-{{ k }}=\"v\">") == "page.html:1:11: no interpolation between attributes; interpolate quoted attribute values (name=\"{{ … }}\")")
        #expect(loadError("<!-- {{ note }} -->") == "page.html:1:6: no interpolation inside an HTML comment; use {# … #} for comments")
        #expect(loadError("<div title=\"x\" {{ raw a }}>") == "page.html:1:16: no interpolation between attributes; interpolate quoted attribute values (name=\"{{ … }}\")")
    }

    @Test func rawOutputOnlyInText() {
        #expect(loadError("<a title=\"{{ raw t }}\">") == "page.html:1:11: {{ raw }} is only allowed in HTML text, not in an attribute value")
    }

    @Test func commentsAndDoctypeEndWhereBrowsersEndThem() throws {
        #expect(try render("<!DOCTYPE html><!-- a -- b --><!--><!---->{{ x }}<!--x--!>{{ x }}", ["x": "1"]) == "<!DOCTYPE html><!-- a -- b --><!--><!---->1<!--x--!>1")
    }

    @Test func ordinaryQuotedAttributesAreEscaped() throws {
        let output = try render("<input type=\"text\" value=\"{{ v }}\" title='{{ v }}' data-x=\"{{ v }}\" disabled>", ["v": "\"'><script>"])
        #expect(output == "<input type=\"text\" value=\"&quot;&#39;&gt;&lt;script&gt;\" title='&quot;&#39;&gt;&lt;script&gt;' data-x=\"&quot;&#39;&gt;&lt;script&gt;\" disabled>")
    }

    @Test func conditionalAttributesInsideATagAreAllowed() throws {
        let source = "<option value=\"{{ v }}\"{% if selected %} selected{% endif %}>{{ v }}</option><input {% if off %}disabled{% endif %} name=\"n\" class=\"{% if a %}on{% else %}off{% endif %}\">"
        #expect(try render(source, ["v": "x", "selected": true, "off": false, "a": true]) == "<option value=\"x\" selected>x</option><input  name=\"n\" class=\"on\">")
    }

    @Test func anAttributeNameThatDependsOnAConditionCannotTakeAValue() {
        #expect(
            loadError("<a on{% if x %}click{% endif %}=\"{{ y }}\">")
                == "page.html:1:34: the attribute name here depends on an {% if %}; interpolate only fixed attribute names")
    }

    @Test func branchesMustEndInCompatibleContexts() {
        #expect(
            loadError("<p>\n{% if x %}<a href=\"{% endif %}\">")
                == "page.html:2:1: the branches of {% if %} end in different HTML contexts (the value of href=\"…\" and HTML text)")
        #expect(
            loadError("{% if x %}<script>{% else %}<p>{% endif %}</script>")
                == "page.html:1:1: the branches of {% if %} end in different HTML contexts (<script> and HTML text)")
        #expect(
            loadError("{% for x in xs %}<div class=\"{% endfor %}\">")
                == "page.html:1:1: the body of {% for %} starts in HTML text but ends in the value of class=\"…\"")
    }

    @Test func templatesMustEndInHTMLText() {
        #expect(loadError("<div class=\"x\n") == "page.html:2:1: the template ends in the value of class=\"…\"; close it in the same file")
        #expect(loadError("<script>") == "page.html:1:9: the template ends in <script>; close it in the same file")
    }

    @Test func overridesAreCheckedInTheContextOfTheLayoutsBlock() {
        let layout = "<head><style>{% block css %}{% endblock %}</style></head><a href=\"{% block link %}/{% endblock %}\">x</a>"
        #expect(
            loadError(["base": layout, "page": "{% extends \"base\" %}{% block css %}p { color: {{ c }} }{% endblock %}"])
                == "page.html:1:47: no interpolation inside <style>")
        #expect(
            loadError(["base": layout, "page": "{% extends \"base\" %}{% block link %}/x\" {% endblock %}"])
                == "page.html:1:21: block 'link' ends in the tag <a …>, but its placeholder in base.html ends in the value of href=\"…\"")
    }

    @Test func overridesInAURLAttributeAreFiltered() throws {
        let sources = [
            "base": "<a href=\"{% block link %}/{% endblock %}\">x</a>",
            "page": "{% extends \"base\" %}{% block link %}{{ url }}{% endblock %}",
        ]
        #expect(try render(sources, "page", ["url": "javascript:alert(1)"]) == "<a href=\"about:invalid#wharf-unsafe-url\">x</a>")
        #expect(try render(sources, "page", ["url": "/hosts"]) == "<a href=\"/hosts\">x</a>")
    }
}
