import Testing
import WharfTemplates

@Suite struct VariableTests {
    let context: TemplateValue = [
        "user": ["name": "Ada", "profile": ["city": "London", "tags": ["admin", "ops"]]],
        "hosts": [["name": "alpha"], ["name": "beta"]],
    ]

    @Test func resolvesNestedObjectPaths() throws {
        #expect(try render("{{ user.name }} from {{ user.profile.city }}", context) == "Ada from London")
    }

    @Test func resolvesListPositions() throws {
        #expect(try render("{{ hosts.1.name }} {{ user.profile.tags.0 }}", context) == "beta admin")
    }

    @Test func missingTopLevelNameIsARenderErrorInStrictMode() throws {
        #expect(try renderError("<p>\n {{ usr.name }}</p>", context) == "page.html:2:2: 'usr' is not defined")
    }

    @Test func missingKeyNamesWherethePathStopped() throws {
        #expect(
            try renderError("{{ user.profile.email }}", context)
                == "page.html:1:1: 'user.profile.email' is missing: 'user.profile' has no key 'email'")
        #expect(
            try renderError("{{ hosts.5.name }}", context)
                == "page.html:1:1: 'hosts.5.name' is missing: 'hosts' has 2 items, so no item 5")
        #expect(
            try renderError("{{ user.name.first }}", context)
                == "page.html:1:1: 'user.name.first' is missing: 'user.name' is text, which has no key 'first'")
    }

    @Test func missingValuesRenderEmptyAndFalsyWhenNotStrict() throws {
        let source = "[{{ nope }}|{{ user.nope.deeper }}|{% if nope %}yes{% else %}no{% endif %}|{% for x in nope %}x{% else %}none{% endfor %}]"
        #expect(try render(["page": source], "page", context, strict: false) == "[||no|none]")
    }

    @Test func missingValuesInConditionsAndLoopsAreErrorsInStrictMode() throws {
        #expect(try renderError("{% if flag %}x{% endif %}", context) == "page.html:1:1: 'flag' is not defined")
        #expect(try renderError("{% for h in hostz %}{% endfor %}", context) == "page.html:1:1: 'hostz' is not defined")
    }

    @Test func nullIsPresentNotMissing() throws {
        #expect(try render("[{{ banner }}]{% if banner %}shown{% endif %}", ["banner": .null]) == "[]")
    }

    @Test func optionsDefaultToStrictInDebugBuilds() {
        #if DEBUG
            #expect(TemplateOptions().strictMissing)
        #else
            #expect(!TemplateOptions().strictMissing)
        #endif
    }

    @Test func contextThatIsNotAnObjectHasNoNames() throws {
        #expect(try renderError("{{ x }}", "just text") == "page.html:1:1: 'x' is not defined")
    }

    @Test func valueLiteralsBuildTheExpectedTree() {
        let value: TemplateValue = ["a": "text", "b": 1, "c": true, "d": ["x", 2], "e": .null, "f": "n=\(3)"]
        #expect(
            value
                == .object([
                    "a": .text("text"), "b": .int(1), "c": .bool(true), "d": .list([.text("x"), .int(2)]), "e": .null,
                    "f": .text("n=3"),
                ]))
    }

    @Test func libraryListsItsTemplates() throws {
        let templates = try library(["b": "", "a.html": "", "dir/_c": ""])
        #expect(templates.names == ["a", "b", "dir/_c"])
        #expect(templates.contains("dir/_c"))
        #expect(!templates.contains("c"))
    }

    @Test func renderingAnUnknownTemplateThrowsNotFound() throws {
        let templates = try library(["page": "x"])
        #expect(throws: TemplateError.templateNotFound(name: "nope")) { try templates.render("nope", [:]) }
        #expect(TemplateError.templateNotFound(name: "nope").description == "no template named 'nope'")
    }
}
