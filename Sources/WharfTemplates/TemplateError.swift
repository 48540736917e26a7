/// Why loading or rendering a template failed.
///
/// Syntax errors stop start-up; their description reads `home/index.html:12:5: unclosed {% if %} opened at 10:3`,
/// with 1-based line and column pointing at the offending tag (or at the end of the file).
package enum TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A template could not be parsed, or refers to a template, block or HTML context that does not work.
    case syntax(file: String, line: Int, column: Int, message: String)
    /// Rendering failed at a tag: a missing value in strict mode, a list printed as text, raw output of text.
    case render(file: String, line: Int, column: Int, message: String)
    /// `render` was asked for a name the library does not hold.
    case templateNotFound(name: String)
    /// The templates directory or one of its files could not be read.
    case unreadable(path: String, reason: String)

    package var description: String {
        switch self {
        case .syntax(let file, let line, let column, let message),
            .render(let file, let line, let column, let message):
            "\(file):\(line):\(column): \(message)"
        case .templateNotFound(let name):
            "no template named '\(name)'"
        case .unreadable(let path, let reason):
            "\(path): \(reason)"
        }
    }

    static func syntax(_ file: String, _ location: SourceLocation, _ message: String) -> TemplateError {
        .syntax(file: file, line: location.line, column: location.column, message: message)
    }

    static func render(_ file: String, _ location: SourceLocation, _ message: String) -> TemplateError {
        .render(file: file, line: location.line, column: location.column, message: message)
    }
}
