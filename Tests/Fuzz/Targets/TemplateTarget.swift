import WharfTemplates

/// The template lexer, parser, compiler and HTML-context checker (`TemplateLibrary(sources:)`),
/// then the renderer.
///
/// The input is up to three sources separated by a line `====`: a page, a partial
/// (`shared/_part`) and a layout (`layouts/base`), so includes, extends and blocks meet each
/// other. Asserts: loading ends in a library or a syntax error whose line and column lie inside
/// the named file (or just past its end); a library renders with strict and lenient missing
/// values without crashing, and the text values it is given (which hold markup) never come out
/// unescaped: a marker in them appears in the output only if a source holds it literally.
enum TemplateTarget {
    static let target = FuzzTarget(
        name: "template",
        summary: "templates: load → library or an in-file syntax error; render strict/lenient; text values never unescaped",
        run: run)

    static let names = ["page", "shared/_part", "layouts/base"]
    static let marker = "<xss-7f3a"

    /// A view model touching each kind of value. Lists hold one item so nested loops cannot
    /// multiply the output (an unbounded render from a hostile template is not what is tested).
    static let context: TemplateValue = [
        "name": .text(marker + " onerror=alert(1)>\"'&"),
        "url": .text("javascript:alert('" + marker + "')"),
        "html": .trustedHTML("<b>trusted</b>"),
        "count": .int(3),
        "flag": .bool(true),
        "none": .null,
        "items": .list([["name": .text(marker + ">"), "id": .int(1)]]),
        "empty": .list([]),
        "user": ["name": .text(marker + "/>"), "role": .text("admin")],
    ]

    static func run(_ input: [UInt8]) {
        var sources: [String: String] = [:]
        for (index, part) in split(input).prefix(names.count).enumerated() {
            sources[names[index]] = String(decoding: part, as: UTF8.self)
        }

        let library: TemplateLibrary
        do {
            library = try TemplateLibrary(sources: sources, options: TemplateOptions(strictMissing: false))
        } catch {
            checkSyntaxError(error, sources: sources)
            return
        }
        let literal = sources.values.contains { $0.contains("xss-7f3a") }
        for strict in [false, true] {
            let rendering = strict ? (try? TemplateLibrary(sources: sources, options: TemplateOptions(strictMissing: true))) : library
            guard let rendering else {
                FuzzCheck.require(false, "loads lenient but not strict")
                return
            }
            for name in names where rendering.contains(name) {
                guard let output = try? rendering.render(name, context) else { continue }
                FuzzCheck.require(literal || !output.contains(marker), "\(name) printed a text value unescaped: \(output.prefix(300))")
            }
        }
    }

    /// The pieces of `input` between `\n====\n` separators.
    static func split(_ input: [UInt8]) -> [ArraySlice<UInt8>] {
        let separator = Array("\n====\n".utf8)
        var parts: [ArraySlice<UInt8>] = []
        var start = 0, index = 0
        while index + separator.count <= input.count {
            if input[index..<(index + separator.count)].elementsEqual(separator) {
                parts.append(input[start..<index])
                index += separator.count
                start = index
            } else {
                index += 1
            }
        }
        parts.append(input[start...])
        return parts
    }

    static func checkSyntaxError(_ error: TemplateError, sources: [String: String]) {
        guard case .syntax(let file, let line, let column, let message) = error else {
            FuzzCheck.require(false, "loading failed with \(error)")
            return
        }
        FuzzCheck.require(!message.isEmpty, "empty syntax error message")
        guard let source = sources[String(file.dropLast(5))] else {
            FuzzCheck.require(false, "syntax error names \(file), which is not a source")
            return
        }
        let lines = source.utf8.split(separator: 0x0A, omittingEmptySubsequences: false)
        FuzzCheck.require(line >= 1 && line <= lines.count, "line \(line) of \(lines.count): \(error)")
        FuzzCheck.require(column >= 1 && column <= lines[line - 1].count + 2, "column \(column) of line \(line): \(error)")
    }
}
