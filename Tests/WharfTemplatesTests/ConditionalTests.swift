import Testing
import WharfTemplates

@Suite struct ConditionalTests {
    private let chooser = "{% if state == \"running\" %}run{% elif state == \"paused\" %}pause{% else %}other{% endif %}"

    @Test(arguments: [("running", "run"), ("paused", "pause"), ("exited", "other")])
    func ifElifElseChoosesTheFirstTrueBranch(state: String, expected: String) throws {
        #expect(try render(chooser, ["state": .text(state)]) == expected)
    }

    @Test func ifWithoutElseRendersNothingWhenFalse() throws {
        #expect(try render("[{% if on %}on{% endif %}]", ["on": false]) == "[]")
    }

    @Test(arguments: [
        (TemplateValue.bool(true), true), (.bool(false), false), (.text("x"), true), (.text(""), false),
        (.trustedHTML("<b>"), true), (.trustedHTML(""), false), (.int(0), false), (.int(-1), true),
        (.list([]), false), (.list([.null]), true), (.object([:]), false), (.object(["a": .null]), true),
        (.null, false),
    ])
    func truthiness(value: TemplateValue, truthy: Bool) throws {
        #expect(try render("{% if v %}T{% else %}F{% endif %}", ["v": value]) == (truthy ? "T" : "F"))
    }

    @Test func comparesWithLiteralsAndOtherPaths() throws {
        let context: TemplateValue = ["count": 3, "role": "admin", "user": ["role": "admin"], "other": "viewer"]
        #expect(try render("{% if count == 3 %}a{% endif %}{% if count != 3 %}b{% endif %}", context) == "a")
        #expect(try render("{% if role == user.role %}same{% endif %}{% if role != other %}, differs{% endif %}", context) == "same, differs")
        #expect(try render("{% if count == \"3\" %}loose{% else %}typed{% endif %}", context) == "typed")
        #expect(try render("{% if missing == null %}null{% endif %}", ["missing": .null]) == "null")
        #expect(try render("{% if flag == true %}t{% endif %}{% if flag != false %}!f{% endif %}", ["flag": true]) == "t!f")
    }

    @Test func textAndTrustedHTMLCompareByCharacters() throws {
        #expect(try render("{% if h == \"<b>\" %}eq{% endif %}", ["h": .trustedHTML("<b>")]) == "eq")
    }

    @Test(arguments: [
        (false, false, false, "F"), (true, false, false, "T"), (false, true, false, "F"), (false, true, true, "T"),
    ])
    func andBindsTighterThanOr(a: Bool, b: Bool, c: Bool, expected: String) throws {
        let context: TemplateValue = ["a": .bool(a), "b": .bool(b), "c": .bool(c)]
        #expect(try render("{% if a or b and c %}T{% else %}F{% endif %}", context) == expected)
    }

    @Test func notNegatesComparisonsAndCombinations() throws {
        let context: TemplateValue = ["role": "viewer", "on": true, "off": false]
        #expect(try render("{% if not role == \"admin\" %}not admin{% endif %}", context) == "not admin")
        #expect(try render("{% if not off and on %}yes{% endif %}", context) == "yes")
        #expect(try render("{% if not not on %}yes{% endif %}", context) == "yes")
        #expect(try render("{% if off or not on %}yes{% else %}no{% endif %}", context) == "no")
    }

    @Test func conditionsShortCircuit() throws {
        // The missing right-hand side is never evaluated.
        #expect(try render("{% if on or missing %}yes{% endif %}{% if off and missing %}no{% endif %}", ["on": true, "off": false]) == "yes")
    }

    @Test func errorsInAnElifNameTheElifTag() throws {
        let source = "{% if a %}\nA\n{% elif b.c %}B{% endif %}"
        #expect(try renderError(source, ["a": false, "b": [:]]) == "page.html:3:1: 'b.c' is missing: 'b' has no key 'c'")
    }

    @Test func nestedConditionals() throws {
        let source = "{% if a %}{% if b %}ab{% else %}a{% endif %}{% elif b %}b{% endif %}"
        #expect(try render(source, ["a": true, "b": false]) == "a")
        #expect(try render(source, ["a": false, "b": true]) == "b")
        #expect(try render(source, ["a": true, "b": true]) == "ab")
    }
}
