import Testing
import WharfTemplates

@Suite struct ConcurrencyTests {
    @Test func oneLibraryRendersFromManyTasksAtOnce() async throws {
        let templates = try library([
            "base": "<ul>{% block items %}{% endblock %}</ul>",
            "page": "{% extends \"base\" %}{% block items %}{% for i in items %}<li>{{ i }}</li>{% endfor %}{% endblock %}",
        ])
        let outputs = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for task in 0..<16 {
                group.addTask {
                    let items = TemplateValue.list((0..<task).map { .int($0) })
                    return (task, try templates.render("page", ["items": items]))
                }
            }
            var results: [Int: String] = [:]
            for try await (task, output) in group { results[task] = output }
            return results
        }
        for (task, output) in outputs {
            #expect(output == "<ul>" + (0..<task).map { "<li>\($0)</li>" }.joined() + "</ul>")
        }
        #expect(outputs.count == 16)
    }
}
