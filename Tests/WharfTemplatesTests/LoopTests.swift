import Testing
import WharfTemplates

@Suite struct LoopTests {
    @Test func exposesLoopState() throws {
        let source = "{% for h in hosts %}{{ loop.index }}/{{ loop.number }}/{{ loop.count }}:{{ h }}{% if loop.first %}^{% endif %}{% if loop.last %}${% endif %} {% endfor %}"
        #expect(try render(source, ["hosts": ["a", "b", "c"]]) == "0/1/3:a^ 1/2/3:b 2/3/3:c$ ")
    }

    @Test func singleItemIsFirstAndLast() throws {
        #expect(try render("{% for x in xs %}{{ loop.first }} {{ loop.last }}{% endfor %}", ["xs": [1]]) == "true true")
    }

    @Test func elseRendersForAnEmptyListOrNull() throws {
        let source = "{% for x in xs %}{{ x }}{% else %}none{% endfor %}"
        #expect(try render(source, ["xs": []]) == "none")
        #expect(try render(source, ["xs": .null]) == "none")
        #expect(try render(source, ["xs": [1, 2]]) == "12")
    }

    @Test func innerLoopShadowsLoopAndOuterVariableStaysVisible() throws {
        let source = "{% for row in rows %}{% for cell in row.cells %}{{ row.name }}{{ loop.index }}{{ cell }}{% if loop.last %};{% endif %}{% endfor %}{{ loop.number }}|{% endfor %}"
        let context: TemplateValue = ["rows": [["name": "r", "cells": ["x", "y"]], ["name": "s", "cells": ["z"]]]]
        #expect(try render(source, context) == "r0xr1y;1|s0z;2|")
    }

    @Test func loopVariableShadowsOuterNamesOnlyInsideTheLoop() throws {
        let source = "{{ name }}:{% for name in names %}{{ name }}{% endfor %}:{{ name }}"
        #expect(try render(source, ["name": "outer", "names": ["a", "b"]]) == "outer:ab:outer")
    }

    @Test func loopIsUndefinedOutsideALoop() throws {
        #expect(try renderError("{{ loop.index }}") == "page.html:1:1: 'loop' is not defined")
    }

    @Test func unknownLoopFieldIsMissing() throws {
        #expect(
            try renderError("{% for x in xs %}{{ loop.size }}{% endfor %}", ["xs": [1]])
                == "page.html:1:18: 'loop.size' is missing: 'loop' has no key 'size'")
    }

    @Test func loopingOverANonListIsARenderError() throws {
        #expect(
            try renderError("\n{% for x in user %}{% endfor %}", ["user": ["a": 1]])
                == "page.html:2:1: cannot loop over 'user', which is an object, not a list")
    }

    @Test func loopsOverObjectsInsideLists() throws {
        let source = "<ul>{% for host in hosts %}<li class=\"{% if loop.first %}first{% endif %}\">{{ host.name }} ({{ host.containers }})</li>{% endfor %}</ul>"
        let context: TemplateValue = ["hosts": [["name": "alpha", "containers": 3], ["name": "<beta>", "containers": 0]]]
        #expect(try render(source, context) == "<ul><li class=\"first\">alpha (3)</li><li class=\"\">&lt;beta&gt; (0)</li></ul>")
    }
}
