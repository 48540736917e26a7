/// A parsed piece of a template. Literal text is stored as UTF-8 bytes so rendering is a plain copy.
enum TemplateNode: Sendable {
    case text([UInt8], location: SourceLocation)
    case output(OutputNode)
    case conditional(ConditionalNode)
    case loop(LoopNode)
    case block(BlockNode)
    case include(IncludeNode)
}

/// How an output is made safe for the HTML context it sits in; decided at load time by `HTMLContextChecker`.
enum OutputEscaping: Sendable, Equatable {
    /// Escape `& < > " '`: element text, RCDATA (`<title>`, `<textarea>`) and ordinary quoted attribute values.
    case html
    /// A URL attribute whose scheme is not yet fixed: `prefix` (the literal bytes since the opening quote) plus the
    /// value must have an allowed scheme, else the value is replaced; then it is escaped.
    case url(prefix: [UInt8])
    /// A `style` attribute: the value must look like a plain CSS value, else it is replaced; then it is escaped.
    case css
}

/// `{{ value }}` or `{{ raw value }}`.
struct OutputNode: Sendable {
    var value: TemplateOperand
    /// `{{ raw … }}`: emit `.trustedHTML` unescaped; anything else but `.null` is a render error.
    var isRaw: Bool
    var escaping: OutputEscaping
    var location: SourceLocation
}

/// `{% if %}…{% elif %}…{% else %}…{% endif %}`.
struct ConditionalNode: Sendable {
    struct Branch: Sendable {
        var condition: TemplateExpression
        var body: [TemplateNode]
        /// The `{% if %}` or `{% elif %}` tag, for errors while evaluating the condition.
        var location: SourceLocation
    }

    var branches: [Branch]
    /// The `{% else %}` body, if any.
    var otherwise: [TemplateNode]?
    var location: SourceLocation
}

/// `{% for variable in sequence %}…{% else %}…{% endfor %}`.
struct LoopNode: Sendable {
    var variable: String
    var sequence: TemplatePath
    var body: [TemplateNode]
    /// Rendered when the list is empty (or `.null`).
    var emptyBody: [TemplateNode]?
    var location: SourceLocation
}

/// `{% block name %}default{% endblock %}`: a placeholder that the most-derived template in a chain of extends
/// may override.
struct BlockNode: Sendable {
    var name: String
    var body: [TemplateNode]
    var location: SourceLocation
}

/// `{% include "name" %}` or `{% include "name" with value %}`.
struct IncludeNode: Sendable {
    var name: String
    /// When present, its value becomes the included template's whole context.
    var context: TemplateOperand?
    var location: SourceLocation
}
