import Testing
import WharfTemplates

@Suite struct SyntaxErrorTests {
    @Test func unclosedIfIsReportedAtTheEndWithItsOpeningPosition() {
        let source = "<ul>\n  {% if a %}\n    <li>\n"
        #expect(loadError(source) == "page.html:4:1: unclosed {% if %} opened at 2:3")
    }

    @Test func unclosedForAndBlock() {
        #expect(loadError("{% for x in xs %}") == "page.html:1:18: unclosed {% for %} opened at 1:1")
        #expect(loadError("ab\n{% block main %}x") == "page.html:2:18: unclosed {% block main %} opened at 2:1")
    }

    @Test func closingTheWrongTagNamesTheOpenOne() {
        #expect(
            loadError("{% for x in xs %}\n  {% endif %}") == "page.html:2:3: unexpected {% endif %}: unclosed {% for %} opened at 1:1")
        #expect(
            loadError("{% if a %}{% endblock %}") == "page.html:1:11: unexpected {% endblock %}: unclosed {% if %} opened at 1:1")
    }

    @Test func strayClosingAndContinuingTags() {
        #expect(loadError("text\n {% endif %}") == "page.html:2:2: unexpected {% endif %}: no open {% if %}")
        #expect(loadError("{% endfor %}") == "page.html:1:1: unexpected {% endfor %}: no open {% for %}")
        #expect(loadError("{% endblock %}") == "page.html:1:1: unexpected {% endblock %}: no open {% block %}")
        #expect(loadError("{% else %}") == "page.html:1:1: unexpected {% else %}: no open {% if %} or {% for %}")
        #expect(loadError("{% elif a %}") == "page.html:1:1: unexpected {% elif %}: no open {% if %}")
    }

    @Test func elseOrElifAfterElse() {
        #expect(
            loadError("{% if a %}{% else %}{% else %}{% endif %}")
                == "page.html:1:21: unexpected {% else %} after the {% else %} of {% if %} opened at 1:1")
        #expect(
            loadError("{% if a %}{% else %}{% elif b %}{% endif %}")
                == "page.html:1:21: unexpected {% elif %} after the {% else %} of {% if %} opened at 1:1")
        #expect(
            loadError("{% for x in xs %}{% else %}{% else %}{% endfor %}")
                == "page.html:1:28: unexpected {% else %} after the {% else %} of {% for %} opened at 1:1")
    }

    @Test func unterminatedDelimiters() {
        #expect(loadError("<p>\n  {{ user.name </p>") == "page.html:2:3: unterminated {{: missing }}")
        #expect(loadError("<p>{{ a </p>{{ b }}") == "page.html:1:4: unterminated {{: missing }}")
        #expect(loadError("{% if a </p>") == "page.html:1:1: unterminated {%: missing %}")
        #expect(loadError("x {# note") == "page.html:1:3: unterminated {#: missing #}")
        #expect(loadError("{% if a == \"x %}") == "page.html:1:1: unterminated string literal in {% %}")
    }

    @Test func unknownTag() {
        #expect(loadError("ok\n\t{% frobnicate x %}") == "page.html:2:2: unknown tag {% frobnicate %}")
        #expect(loadError("{% %}") == "page.html:1:1: malformed tag {% %}")
        #expect(loadError("{% \"if\" %}") == "page.html:1:1: malformed tag {% \"if\" %}")
    }

    @Test func badExpressions() {
        #expect(loadError("{% if a == %}{% endif %}") == "page.html:1:1: bad {% if %}: expected a value at the end of the tag")
        #expect(loadError("{% if %}{% endif %}") == "page.html:1:1: bad {% if %}: expected a value at the end of the tag")
        #expect(loadError("{% if a = b %}{% endif %}") == "page.html:1:1: bad tag {% if a = b %}: unexpected '='; did you mean '=='?")
        #expect(loadError("{% if a b %}{% endif %}") == "page.html:1:1: bad {% if %}: unexpected 'b'")
        #expect(loadError("{% if a and %}{% endif %}") == "page.html:1:1: bad {% if %}: expected a value at the end of the tag")
        #expect(loadError("{% if a.. %}{% endif %}") == "page.html:1:1: bad {% if %}: 'a..' is not a valid path")
        #expect(loadError("{% if a < b %}{% endif %}") == "page.html:1:1: bad tag {% if a < b %}: unexpected character '<'")
        #expect(loadError("{% for in xs %}{% endfor %}") == "page.html:1:1: bad {% for %}: expected a loop variable name, found 'in'")
        #expect(loadError("{% for x of xs %}{% endfor %}") == "page.html:1:1: bad {% for %}: expected 'in', found 'of'")
        #expect(loadError("{% for loop in xs %}{% endfor %}") == "page.html:1:1: bad {% for %}: 'loop' is reserved for the loop state")
        #expect(loadError("{% include page %}") == "page.html:1:1: bad {% include %}: expected a template name in quotes, found 'page'")
        #expect(loadError("{% include \"p\" using x %}") == "page.html:1:1: bad {% include %}: expected 'with', found 'using'")
        #expect(loadError("{% endif now %}") == "page.html:1:1: bad {% endif %}: unexpected 'now'")
        #expect(loadError("{% block 1 %}{% endblock %}") == "page.html:1:1: bad {% block %}: expected a block name, found number 1")
    }

    @Test func badOutputs() {
        #expect(loadError("{{ }}") == "page.html:1:1: bad output {{ }}: expected a value at the end of the tag")
        #expect(loadError("{{ a b }}") == "page.html:1:1: bad output {{ a b }}: unexpected 'b'")
        #expect(loadError("{{ raw \"<b>\" }}") == "page.html:1:1: bad output {{ raw \"<b>\" }}: expected a name, found string \"<b>\"")
        #expect(loadError("{{ a == b }}") == "page.html:1:1: bad output {{ a == b }}: unexpected '=='")
        #expect(loadError("{{ user.name| upper }}") == "page.html:1:1: bad output {{ user.name| upper }}: unexpected character '|'")
    }

    @Test func columnsCountCharactersNotBytes() {
        #expect(loadError("é日🚢 {% endif %}") == "page.html:1:5: unexpected {% endif %}: no open {% if %}")
    }

    @Test func windowsLineEndingsCountLinesOnce() {
        #expect(loadError("a\r\nb\r\n  {% endfor %}") == "page.html:3:3: unexpected {% endfor %}: no open {% for %}")
    }

    @Test func errorDescriptionFormat() {
        let error = TemplateError.syntax(file: "home/index.html", line: 12, column: 5, message: "unclosed {% if %} opened at 10:3")
        #expect(error.description == "home/index.html:12:5: unclosed {% if %} opened at 10:3")
        #expect(TemplateError.unreadable(path: "Templates", reason: "not a directory").description == "Templates: not a directory")
    }
}
