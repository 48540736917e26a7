package import FoundationEssentials

/// Every template of the application, parsed and checked once at start-up, then rendered many times from any thread.
///
/// Templates are named by their path relative to the templates directory without `.html`: `layouts/base`,
/// `hosts/index`, `shared/_nav` (partials start with `_`). Loading fails on the first syntax error, unknown
/// `{% extends %}`/`{% include %}` target, unknown block or unsafe interpolation, naming file, line and column.
///
/// Syntax:
/// - `{{ user.name }}` prints a value escaped (`& < > " '`); `{{ raw banner }}` prints `.trustedHTML` unescaped,
///   only in element content. Paths go through objects by key and lists by position (`hosts.0.name`).
/// - `{% if a == "x" and not b or c != 3 %}…{% elif … %}…{% else %}…{% endif %}`.
/// - `{% for host in hosts %}{{ loop.index }} {{ loop.number }} {{ loop.first }} {{ loop.last }} {{ loop.count }}
///   {% else %}(empty){% endfor %}`.
/// - `{% extends "layouts/base" %}` first, then only `{% block name %}…{% endblock %}`; layouts declare blocks
///   with default content.
/// - `{% include "shared/_flash" %}` (current scope) or `{% include "forms/_field" with form.username %}`.
/// - `{# comment #}`; `{%-`, `-%}`, `{{-`, `-}}`, `{#-`, `-#}` trim the whitespace on their side.
///
/// Interpolation is checked against the surrounding HTML at load time: not inside `<script>`/`<style>`, `on…`
/// attributes, unquoted attribute values, tag or attribute names, or comments. URL attributes (`href`, `src`,
/// `action`, …) only keep http, https, mailto and relative URLs; `style` attributes only plain CSS values.
///
/// ```swift
/// let templates = try TemplateLibrary(directory: URL(fileURLWithPath: "Templates"))
/// var body: [UInt8] = []
/// try templates.render("hosts/index", ["title": "Hosts", "hosts": .list(rows)], into: &body)
/// ```
package struct TemplateLibrary: Sendable {
    private let templates: [String: CompiledTemplate]
    package let options: TemplateOptions

    /// Loads every `*.html` file under `directory`, recursively, skipping hidden files and folders.
    /// - Throws: `TemplateError.unreadable` if the directory or a file cannot be read, `TemplateError.syntax` for
    ///   the first invalid template.
    package init(directory: URL, options: TemplateOptions = TemplateOptions()) throws(TemplateError) {
        try self.init(files: TemplateSourceLoader.load(from: directory), options: options)
    }

    /// Builds a library from in-memory sources, keyed by template name (a trailing `.html` is ignored, and two keys
    /// naming the same template are a programmer error); error messages name each one `<name>.html`.
    package init(sources: [String: String], options: TemplateOptions = TemplateOptions()) throws(TemplateError) {
        try self.init(
            files: sources.map { key, text in
                let name = Self.templateName(key)
                return TemplateSourceLoader.File(name: name, path: name + ".html", bytes: Array(text.utf8))
            },
            options: options)
    }

    private init(files: [TemplateSourceLoader.File], options: TemplateOptions) throws(TemplateError) {
        var parsed: [String: ParsedTemplate] = [:]
        for file in files.sorted(by: { $0.path < $1.path }) {
            // Only in-memory sources can collide ("page" and "page.html"); that is a bug in the caller.
            precondition(parsed[file.name] == nil, "two template sources are named '\(file.name)'")
            var parser = TemplateParser(file: file.path)
            parsed[file.name] = try parser.parse(file.bytes)
        }
        var compiler = TemplateCompiler(parsed: parsed)
        self.templates = try compiler.compileAll()
        self.options = options
    }

    /// The names of all templates, sorted.
    package var names: [String] {
        templates.keys.sorted()
    }

    package func contains(_ name: String) -> Bool {
        templates[name] != nil
    }

    /// Renders a template into a string.
    /// - Parameters:
    ///   - name: a template name such as `hosts/index`.
    ///   - context: the view model; its object keys are the template's top-level names.
    /// - Throws: `TemplateError.templateNotFound`, or `TemplateError.render` naming the tag's file:line:column.
    package func render(_ name: String, _ context: TemplateValue) throws(TemplateError) -> String {
        var buffer: [UInt8] = []
        try render(name, context, into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Renders a template by appending UTF-8 bytes to `buffer`, for the HTTP layer. On error, `buffer` is left as it
    /// was before the call.
    package func render(_ name: String, _ context: TemplateValue, into buffer: inout [UInt8]) throws(TemplateError) {
        guard let template = templates[name] else {
            throw .templateNotFound(name: name)
        }
        let start = buffer.count
        buffer.reserveCapacity(start + template.sizeHint + template.sizeHint / 2)
        var renderer = TemplateRenderer(templates: templates, strictMissing: options.strictMissing, context: context)
        do {
            try renderer.render(template, into: &buffer)
        } catch {
            buffer.removeSubrange(start...)
            throw error
        }
    }

    /// A template name as written in `{% extends %}`/`{% include %}` or a source key: a trailing `.html` is optional.
    static func templateName(_ reference: String) -> String {
        reference.hasSuffix(".html") ? String(reference.dropLast(5)) : reference
    }
}
