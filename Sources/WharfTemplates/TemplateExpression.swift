/// A dotted path such as `user.name` or `hosts.0.name`, resolved against the scope at render time.
/// A final class so that rendering copies one reference rather than each of its fields.
final class TemplatePath: Sendable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        /// An object key.
        case key(String)
        /// A list position (0-based), written as a number: `hosts.0`.
        case index(Int)
    }

    /// The first name, looked up in loop variables and then in the context object.
    let head: String
    let tail: [Segment]
    /// The path as written, for error messages.
    let description: String

    init(head: String, tail: [Segment], description: String) {
        self.head = head
        self.tail = tail
        self.description = description
    }
}

/// Something that yields a value: a path or a literal.
enum TemplateOperand: Sendable {
    case path(TemplatePath)
    case literal(TemplateValue)
}

/// A condition of `{% if %}` / `{% elif %}`. `or` binds loosest, then `and`, then `not`, then `==`/`!=`.
indirect enum TemplateExpression: Sendable {
    /// The operand's truthiness.
    case operand(TemplateOperand)
    case not(TemplateExpression)
    case equal(TemplateOperand, TemplateOperand)
    case notEqual(TemplateOperand, TemplateOperand)
    case and(TemplateExpression, TemplateExpression)
    case or(TemplateExpression, TemplateExpression)
}
