/// A value handed to a template: a typed tree built by view models, never reflected from arbitrary Swift values.
///
/// Strings are `.text` and always escaped on output. `.trustedHTML` is reserved for markup our own code produced;
/// it is still escaped by `{{ value }}` and only comes out unescaped through the visible `{{ raw value }}` form.
///
/// ```swift
/// let context: TemplateValue = [
///     "user": ["name": .text(user.name), "isAdmin": .bool(user.isAdmin)],
///     "hosts": .list(hosts.map { ["name": .text($0.name), "containers": .int($0.count)] }),
///     "banner": .null,
/// ]
/// ```
package enum TemplateValue: Sendable, Equatable {
    /// Text from anywhere, user input included; always escaped on output.
    case text(String)
    /// HTML produced by our own code, never from user input; emitted raw only by `{{ raw … }}`.
    case trustedHTML(String)
    case int(Int)
    case bool(Bool)
    case list([TemplateValue])
    case object([String: TemplateValue])
    /// An explicitly absent value: prints nothing and is falsy, but is not "missing".
    case null
}

extension TemplateValue {
    /// Truthiness used by `{% if %}`: `false`, `.null`, `0` and empty text, lists and objects are false.
    var isTruthy: Bool {
        switch self {
        case .text(let string), .trustedHTML(let string): !string.isEmpty
        case .int(let number): number != 0
        case .bool(let flag): flag
        case .list(let items): !items.isEmpty
        case .object(let fields): !fields.isEmpty
        case .null: false
        }
    }

    /// Equality used by `==` in conditions: text and trusted HTML compare by their characters.
    func matches(_ other: TemplateValue) -> Bool {
        switch (self, other) {
        case (.text(let left), .text(let right)), (.text(let left), .trustedHTML(let right)),
            (.trustedHTML(let left), .text(let right)), (.trustedHTML(let left), .trustedHTML(let right)):
            left == right
        default:
            self == other
        }
    }

    /// The kind of value, for error messages.
    var kindName: String {
        switch self {
        case .text: "text"
        case .trustedHTML: "trusted HTML"
        case .int: "an int"
        case .bool: "a bool"
        case .list: "a list"
        case .object: "an object"
        case .null: "null"
        }
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    /// A string literal is `.text`: markup must be marked `.trustedHTML` explicitly.
    package init(stringLiteral value: String) {
        self = .text(value)
    }

    package init(stringInterpolation: DefaultStringInterpolation) {
        self = .text(String(stringInterpolation: stringInterpolation))
    }
}

extension TemplateValue: ExpressibleByIntegerLiteral {
    package init(integerLiteral value: Int) {
        self = .int(value)
    }
}

extension TemplateValue: ExpressibleByBooleanLiteral {
    package init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension TemplateValue: ExpressibleByArrayLiteral {
    package init(arrayLiteral elements: TemplateValue...) {
        self = .list(elements)
    }
}

extension TemplateValue: ExpressibleByDictionaryLiteral {
    /// A later duplicate key replaces an earlier one.
    package init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
