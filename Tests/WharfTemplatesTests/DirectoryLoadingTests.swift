import Foundation
import Testing
import WharfTemplates

@Suite struct DirectoryLoadingTests {
    /// A fresh directory under the system temporary directory, removed by `body`'s caller.
    private func withTemporaryDirectory(_ files: [String: String], _ body: (URL) throws -> Void) throws {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("wharf-templates-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: root) }
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        try body(root)
    }

    @Test func loadsNestedFoldersNamedByRelativePath() throws {
        let files = [
            "layouts/base.html": "<html><body>{% include \"shared/_nav\" %}{% block content %}{% endblock %}</body></html>",
            "home/index.html": "{% extends \"layouts/base\" %}{% block content %}<h1>{{ title }}</h1>{% endblock %}",
            "shared/_nav.html": "<nav>{{ user }}</nav>",
            "shared/deep/er/_x.html": "x",
            "README.txt": "{% not a template",
            ".hidden/broken.html": "{% if %}",
            "home/.#index.html": "{{ editor lock file",
        ]
        try withTemporaryDirectory(files) { root in
            let templates = try TemplateLibrary(directory: root, options: TemplateOptions(strictMissing: true))
            #expect(templates.names == ["home/index", "layouts/base", "shared/_nav", "shared/deep/er/_x"])
            let output = try templates.render("home/index", ["title": "Home", "user": "ada"])
            #expect(output == "<html><body><nav>ada</nav><h1>Home</h1></body></html>")
        }
    }

    @Test func syntaxErrorsNameTheRelativeFilePath() throws {
        let files = [
            "layouts/base.html": "{% block content %}{% endblock %}",
            "home/index.html": "{% extends \"layouts/base\" %}\n{% block content %}\n  {% if user %}\n{% endblock %}",
        ]
        try withTemporaryDirectory(files) { root in
            #expect(throws: TemplateError.syntax(
                file: "home/index.html", line: 4, column: 1,
                message: "unexpected {% endblock %}: unclosed {% if %} opened at 3:3")
            ) {
                try TemplateLibrary(directory: root)
            }
        }
    }

    @Test func missingDirectoryIsUnreadable() {
        let root = URL(fileURLWithPath: "/nonexistent/wharf-templates-\(UUID().uuidString)")
        #expect(throws: TemplateError.unreadable(path: root.path, reason: "not a directory")) {
            try TemplateLibrary(directory: root)
        }
    }

    @Test func emptyDirectoryGivesAnEmptyLibrary() throws {
        try withTemporaryDirectory([:]) { root in
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            #expect(try TemplateLibrary(directory: root).names.isEmpty)
        }
    }
}
