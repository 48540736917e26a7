import Testing
import WharfTemplates

@Suite struct IncludeTests {
    @Test func includeRendersThePartialWithTheCurrentScope() throws {
        let sources = [
            "page": "<ul>{% for host in hosts %}{% include \"shared/_host\" %}{% endfor %}</ul>{% include \"shared/_footer.html\" %}",
            "shared/_host": "<li>{{ loop.number }}. {{ host.name }} @ {{ site }}</li>",
            "shared/_footer": "<footer>{{ site }}</footer>",
        ]
        let output = try render(sources, "page", ["site": "prod", "hosts": [["name": "a"], ["name": "<b>"]]])
        #expect(output == "<ul><li>1. a @ prod</li><li>2. &lt;b&gt; @ prod</li></ul><footer>prod</footer>")
    }

    @Test func includeWithMakesTheValueThePartialsWholeContext() throws {
        let sources = [
            "page": "<form>{% include \"forms/_field\" with form.username %}{% include \"forms/_field\" with form.password %}</form>",
            "forms/_field": "<label>{{ label }} <input name=\"{{ name }}\" value=\"{{ value }}\"></label>",
        ]
        let context: TemplateValue = [
            "form": [
                "username": ["label": "User", "name": "username", "value": "ada\""],
                "password": ["label": "Password", "name": "password", "value": ""],
            ],
        ]
        #expect(
            try render(sources, "page", context)
                == "<form><label>User <input name=\"username\" value=\"ada&quot;\"></label><label>Password <input name=\"password\" value=\"\"></label></form>")
    }

    @Test func includeWithHidesTheOuterScope() throws {
        let sources = ["page": "{% for x in xs %}{% include \"_p\" with x %}{% endfor %}{{ site }}", "_p": "{{ site }}"]
        #expect(try renderError(sources, "page", ["site": "s", "xs": [["a": 1]]]) == "_p.html:1:1: 'site' is not defined")
        // The outer scope is back after the include.
        #expect(try render(["page": "{% include \"_p\" with inner %}{{ site }}", "_p": "{{ a }}"], "page", ["site": "s", "inner": ["a": 1]]) == "1s")
    }

    @Test func includeWithALiteral() throws {
        #expect(try render(["page": "{% include \"_p\" with \"hi\" %}", "_p": "[{% if x %}{% endif %}]"], strict: false) == "[]")
    }

    @Test func partialsMayIncludePartialsAndExtendLayouts() throws {
        let sources = [
            "page": "<div>{% include \"_card\" %}</div>",
            "_card": "{% extends \"_frame\" %}{% block body %}{% include \"_inner\" %}{% endblock %}",
            "_frame": "<section>{% block body %}{% endblock %}</section>",
            "_inner": "<b>{{ title }}</b>",
        ]
        #expect(try render(sources, "page", ["title": "T"]) == "<div><section><b>T</b></section></div>")
    }

    @Test func recursiveIncludesRenderTrees() throws {
        let sources = [
            "page": "{% include \"_tree\" with root %}",
            "_tree": "<li>{{ name }}{% if children %}<ul>{% for child in children %}{% include \"_tree\" with child %}{% endfor %}</ul>{% endif %}</li>",
        ]
        let context: TemplateValue = [
            "root": ["name": "a", "children": [["name": "b", "children": []], ["name": "c", "children": [["name": "d", "children": []]]]]],
        ]
        #expect(try render(sources, "page", context) == "<li>a<ul><li>b</li><li>c<ul><li>d</li></ul></li></ul></li>")
    }

    @Test func endlessIncludeRecursionIsARenderError() throws {
        let sources = ["page": "{% include \"_loop\" %}", "_loop": "x{% include \"_loop\" %}"]
        #expect(
            try renderError(sources, "page")
                == "_loop.html:1:2: {% include %} nested more than 32 levels deep; does a template include itself?")
    }

    @Test func errorsInsideAPartialNameThePartial() throws {
        let sources = ["page": "{% include \"shared/_nav\" %}", "shared/_nav": "<nav>\n\n    {{ user.name }}</nav>"]
        #expect(try renderError(sources, "page", ["user": [:]]) == "shared/_nav.html:3:5: 'user.name' is missing: 'user' has no key 'name'")
    }
}
