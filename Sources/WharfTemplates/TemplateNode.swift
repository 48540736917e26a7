/// A parsed piece of a template. Literal text is stored as UTF-8 bytes so rendering is a plain copy.
///
/// Tag payloads are immutable final classes: rendering walks these trees constantly, and copying a class reference
/// out of an enum costs one retain where a struct would retain each of its fields.
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
final class OutputNode: Sendable {
    let value: TemplateOperand
    /// `{{ raw … }}`: emit `.trustedHTML` unescaped; anything else but `.null` is a render error.
    let isRaw: Bool
    let escaping: OutputEscaping
    let location: SourceLocation

    init(value: TemplateOperand, isRaw: Bool, escaping: OutputEscaping, location: SourceLocation) {
        self.value = value
        self.isRaw = isRaw
        self.escaping = escaping
        self.location = location
    }
}

/// `{% if %}…{% elif %}…{% else %}…{% endif %}`.
final class ConditionalNode: Sendable {
    struct Branch: Sendable {
        var condition: TemplateExpression
        var body: [TemplateNode]
        /// The `{% if %}` or `{% elif %}` tag, for errors while evaluating the condition.
        var location: SourceLocation
    }

    let branches: [Branch]
    /// The `{% else %}` body, if any.
    let otherwise: [TemplateNode]?
    let location: SourceLocation

    init(branches: [Branch], otherwise: [TemplateNode]?, location: SourceLocation) {
        self.branches = branches
        self.otherwise = otherwise
        self.location = location
    }
}

/// `{% for variable in sequence %}…{% else %}…{% endfor %}`.
final class LoopNode: Sendable {
    let variable: String
    let sequence: TemplatePath
    let body: [TemplateNode]
    /// Rendered when the list is empty (or `.null`).
    let emptyBody: [TemplateNode]?
    let location: SourceLocation

    init(
        variable: String, sequence: TemplatePath, body: [TemplateNode], emptyBody: [TemplateNode]?,
        location: SourceLocation
    ) {
        self.variable = variable
        self.sequence = sequence
        self.body = body
        self.emptyBody = emptyBody
        self.location = location
    }

    /// The same loop with checked bodies.
    func with(body: [TemplateNode], emptyBody: [TemplateNode]?) -> LoopNode {
        LoopNode(variable: variable, sequence: sequence, body: body, emptyBody: emptyBody, location: location)
    }
}

/// `{% block name %}default{% endblock %}`: a placeholder that the most-derived template in a chain of extends
/// may override.
final class BlockNode: Sendable {
    let name: String
    let body: [TemplateNode]
    let location: SourceLocation

    init(name: String, body: [TemplateNode], location: SourceLocation) {
        self.name = name
        self.body = body
        self.location = location
    }
}

/// `{% include "name" %}` or `{% include "name" with value %}`.
final class IncludeNode: Sendable {
    let name: String
    /// When present, its value becomes the included template's whole context.
    let context: TemplateOperand?
    let location: SourceLocation

    init(name: String, context: TemplateOperand?, location: SourceLocation) {
        self.name = name
        self.context = context
        self.location = location
    }
}
