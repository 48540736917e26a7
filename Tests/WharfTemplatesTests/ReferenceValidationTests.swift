import Testing
import WharfTemplates

@Suite struct ReferenceValidationTests {
    @Test func unknownExtendsTargetFailsAtLoad() {
        #expect(
            loadError(["page": "\n{% extends \"layouts/bsae\" %}"])
                == "page.html:2:1: unknown template 'layouts/bsae' in {% extends %}")
    }

    @Test func unknownIncludeTargetFailsAtLoad() {
        #expect(
            loadError(["page": "<div>\n  {% if x %}{% include \"shared/_flsh\" %}{% endif %}</div>"])
                == "page.html:2:13: unknown template 'shared/_flsh' in {% include %}")
    }

    @Test func includeTargetsInsideOverridesAreValidatedToo() {
        #expect(
            loadError(["base": "{% block b %}{% endblock %}", "page": "{% extends \"base\" %}{% block b %}{% include \"_x\" %}{% endblock %}"])
                == "page.html:1:34: unknown template '_x' in {% include %}")
    }

    @Test func overridingABlockTheLayoutLacksFailsAtLoad() {
        let sources = [
            "layouts/base": "<main>{% block content %}{% endblock %}</main>",
            "page": "{% extends \"layouts/base\" %}\n{% block content %}{% endblock %}\n{% block sidebar %}{% endblock %}",
        ]
        #expect(loadError(sources) == "page.html:3:1: block 'sidebar' is not defined in layouts/base.html or the templates it extends")
    }

    @Test func blocksFromAnyAncestorMayBeOverridden() throws {
        let sources = [
            "base": "<title>{% block title %}{% endblock %}</title>{% block body %}{% endblock %}",
            "section": "{% extends \"base\" %}{% block body %}<div>{% block inner %}{% endblock %}</div>{% endblock %}",
            "page": "{% extends \"section\" %}{% block title %}T{% endblock %}{% block inner %}I{% endblock %}",
        ]
        #expect(try render(sources, "page") == "<title>T</title><div>I</div>")
    }

    @Test func circularExtendsFailAtLoad() {
        let sources = [
            "a": "{% extends \"b\" %}",
            "b": "\n{% extends \"c\" %}",
            "c": "{% extends \"b\" %}",
        ]
        #expect(loadError(sources) == "c.html:1:1: circular {% extends %}: b → c → b")
        #expect(loadError(["self": "{% extends \"self\" %}"]) == "self.html:1:1: circular {% extends %}: self → self")
    }

    @Test func theFirstErrorInNameOrderIsReported() {
        let sources = ["b": "{% endif %}", "a": "{{ x", "c": "{% include \"nope\" %}"]
        #expect(loadError(sources) == "a.html:1:1: unterminated {{: missing }}")
    }
}
