import Testing
import WharfTemplates

@Suite struct LayoutTests {
    static let base = """
        <html><head><title>{% block title %}Wharf{% endblock %}</title></head>
        <body>{% block nav %}<nav>default nav</nav>{% endblock %}
        <main>{% block content %}{% endblock content %}</main>
        <footer>{% block footer %}© Wharf{% endblock %}</footer></body></html>
        """

    @Test func pageOverridesSomeBlocksAndKeepsOtherDefaults() throws {
        let page = """
            {% extends "layouts/base" %}
            {# comments and whitespace are fine outside blocks #}
            {% block title %}Hosts – {{ site }}{% endblock %}
            {% block content %}<h1>{{ heading }}</h1>{% endblock %}
            """
        let output = try render(["layouts/base": Self.base, "hosts/index": page], "hosts/index", ["site": "Prod", "heading": "All <hosts>"])
        #expect(output == """
            <html><head><title>Hosts – Prod</title></head>
            <body><nav>default nav</nav>
            <main><h1>All &lt;hosts&gt;</h1></main>
            <footer>© Wharf</footer></body></html>
            """)
    }

    @Test func layoutRenderedDirectlyShowsItsDefaults() throws {
        let output = try render(["layouts/base": Self.base], "layouts/base")
        #expect(output.contains("<title>Wharf</title>"))
        #expect(output.contains("<main></main>"))
    }

    @Test func chainsOfExtendsResolveTheMostDerivedBlock() throws {
        let section = """
            {% extends "layouts/base" %}
            {% block nav %}<nav>hosts nav</nav>{% endblock %}
            {% block content %}<div class="cols"><aside>{% block sidebar %}default side{% endblock %}</aside><section>{% block main %}{% endblock %}</section></div>{% endblock %}
            {% block footer %}section footer{% endblock %}
            """
        let page = """
            {% extends "layouts/hosts" %}
            {% block title %}Host {{ name }}{% endblock %}
            {% block main %}<p>{{ name }}</p>{% endblock %}
            {% block footer %}page footer{% endblock %}
            """
        let sources = ["layouts/base": Self.base, "layouts/hosts": section, "hosts/show": page]
        let output = try render(sources, "hosts/show", ["name": "alpha"])
        #expect(output == """
            <html><head><title>Host alpha</title></head>
            <body><nav>hosts nav</nav>
            <main><div class="cols"><aside>default side</aside><section><p>alpha</p></section></div></main>
            <footer>page footer</footer></body></html>
            """)
        // The section layout renders on its own with its own defaults.
        let sectionOutput = try render(sources, "layouts/hosts")
        #expect(sectionOutput.contains("<aside>default side</aside><section></section>"))
        #expect(sectionOutput.contains("<footer>section footer</footer>"))
    }

    @Test func blocksInsideLoopsAndIncludesInsideBlocksWork() throws {
        let sources = [
            "base": "<ul>{% for item in items %}<li>{% block item %}{{ item }}{% endblock %}</li>{% endfor %}</ul>",
            "page": "{% extends \"base\" %}{% block item %}[{{ item }}{% include \"_badge\" %}]{% endblock %}",
            "_badge": "<b>{{ loop.number }}</b>",
        ]
        #expect(try render(sources, "page", ["items": ["a", "b"]]) == "<ul><li>[a<b>1</b>]</li><li>[b<b>2</b>]</li></ul>")
    }

    @Test func renderErrorsNameTheFileThatHoldsTheTag() throws {
        let sources = [
            "layouts/base": "<title>{% block title %}{{ site }}{% endblock %}</title>\n{% block content %}{% endblock %}",
            "page": "{% extends \"layouts/base\" %}\n{% block content %}\n  <p>{{ missing }}</p>{% endblock %}",
        ]
        #expect(try renderError(sources, "page", ["site": "x"]) == "page.html:3:6: 'missing' is not defined")
        #expect(try renderError(sources, "page", [:]) == "layouts/base.html:1:25: 'site' is not defined")
    }

    @Test func endblockMayRepeatTheBlockName() throws {
        #expect(try render("{% block a %}x{% endblock a %}") == "x")
        #expect(
            loadError("{% block a %}x{% endblock b %}")
                == "page.html:1:15: {% endblock b %} does not match {% block a %} opened at 1:1")
    }

    @Test func extendsMayBePrecededOnlyByWhitespaceAndComments() throws {
        let sources = ["base": "<p>{% block b %}{% endblock %}</p>", "page": "\n  {# note #}\n{% extends \"base.html\" %}{% block b %}ok{% endblock %}"]
        #expect(try render(sources) == "<p>ok</p>")
        #expect(
            loadError(["base": "", "page": "<p>\n{% extends \"base\" %}"])
                == "page.html:2:1: {% extends %} must be the first tag in the file")
        #expect(
            loadError(["base": "", "page": "{% if x %}{% extends \"base\" %}{% endif %}"])
                == "page.html:1:11: {% extends %} must be the first tag in the file")
    }

    @Test func anExtendingTemplateHoldsOnlyBlocks() {
        let base = "{% block b %}{% endblock %}"
        #expect(
            loadError(["base": base, "page": "{% extends \"base\" %}\n\n   stray text {% block b %}{% endblock %}"])
                == "page.html:3:4: text outside {% block %} in a template that extends another")
        #expect(
            loadError(["base": base, "page": "{% extends \"base\" %}\n{{ x }}"])
                == "page.html:2:1: {{ }} outside {% block %} in a template that extends another")
        #expect(
            loadError(["base": base, "page": "{% extends \"base\" %}\n{% if x %}{% endif %}"])
                == "page.html:2:1: {% if x %} outside {% block %} in a template that extends another")
        #expect(
            loadError(["base": base, "page": "{% extends \"base\" %}{% include \"base\" %}"])
                == "page.html:1:21: {% include \"base\" %} outside {% block %} in a template that extends another")
    }

    @Test func duplicateBlockNamesInOneFileAreRejected() {
        #expect(
            loadError("{% block a %}{% endblock %}\n{% block a %}{% endblock %}")
                == "page.html:2:1: block 'a' is already defined at 1:1")
    }
}
