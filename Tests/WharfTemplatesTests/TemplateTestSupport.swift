import WharfTemplates

/// Builds a library from in-memory sources in strict mode (as tests and debug builds run).
func library(_ sources: [String: String], strict: Bool = true) throws -> TemplateLibrary {
    try TemplateLibrary(sources: sources, options: TemplateOptions(strictMissing: strict))
}

/// Renders `name` from in-memory sources.
func render(
    _ sources: [String: String], _ name: String = "page", _ context: TemplateValue = [:], strict: Bool = true
) throws -> String {
    try library(sources, strict: strict).render(name, context)
}

/// Renders a single template named `page`.
func render(_ source: String, _ context: TemplateValue = [:], strict: Bool = true) throws -> String {
    try render(["page": source], "page", context, strict: strict)
}

/// The description of the error thrown while loading `sources`, or nil if they load.
func loadError(_ sources: [String: String]) -> String? {
    do {
        _ = try library(sources)
        return nil
    } catch {
        return String(describing: error)
    }
}

/// The description of the error thrown while loading a single template named `page`.
func loadError(_ source: String) -> String? {
    loadError(["page": source])
}

/// The description of the error thrown while rendering, or nil if rendering succeeds.
func renderError(
    _ sources: [String: String], _ name: String = "page", _ context: TemplateValue = [:], strict: Bool = true
) throws -> String? {
    let templates = try library(sources, strict: strict)
    do {
        _ = try templates.render(name, context)
        return nil
    } catch {
        return String(describing: error)
    }
}

func renderError(_ source: String, _ context: TemplateValue = [:]) throws -> String? {
    try renderError(["page": source], "page", context)
}
