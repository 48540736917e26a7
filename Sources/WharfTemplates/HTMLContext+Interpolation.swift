extension HTMLContext {
    /// Decides how an interpolation at this point is escaped, and advances past it.
    /// - Parameter raw: `{{ raw … }}`, which is only allowed in element content.
    /// - Throws: when no escaping makes a value safe here (script, event handlers, unquoted attributes, …).
    mutating func interpolate(raw: Bool) throws(HTMLContextViolation) -> OutputEscaping {
        switch self {
        case .text:
            return .html
        case .rawText(let element, let matched):
            let name = String(decoding: element, as: UTF8.self)
            guard Self.escapableRawTextElements.contains(element) else {
                throw HTMLContextViolation(message: "no interpolation inside <\(name)>")
            }
            guard !raw else {
                throw HTMLContextViolation(message: "{{ raw }} is only allowed in HTML text, not inside <\(name)>")
            }
            guard matched == 0 else {
                throw HTMLContextViolation(message: "an interpolation here could complete the end tag </\(name)>")
            }
            return .html
        case .attributeValue(var value):
            guard !raw else {
                throw HTMLContextViolation(message: "{{ raw }} is only allowed in HTML text, not in an attribute value")
            }
            guard value.quote != nil else {
                throw HTMLContextViolation(message: "attributes must be quoted: write name=\"{{ … }}\"")
            }
            guard let name = value.name else {
                throw HTMLContextViolation(
                    message: "the attribute name here depends on an {% if %}; interpolate only fixed attribute names")
            }
            let attribute = String(decoding: name, as: UTF8.self)
            if name.starts(with: Array("on".utf8)) {
                throw HTMLContextViolation(
                    message: "no interpolation inside the event-handler attribute '\(attribute)'")
            }
            if attribute == "srcdoc" {
                throw HTMLContextViolation(message: "no interpolation inside 'srcdoc', which holds HTML")
            }
            if attribute == "style" {
                return .css
            }
            switch value.url {
            case nil, .fixed?:
                return .html
            case .scheme(let prefix)?:
                value.url = .ambiguous
                self = .attributeValue(value)
                return .url(prefix: prefix)
            case .ambiguous?:
                throw HTMLContextViolation(
                    message: "this value could form the scheme of the URL in '\(attribute)' (after another "
                        + "interpolation or an {% if %}); use one value for the whole URL, or put a literal '/', '?' "
                        + "or '#' before it")
            case .unsafeScheme?:
                throw HTMLContextViolation(
                    message: "no interpolation into a URL whose scheme is not http, https or mailto ('\(attribute)')")
            }
        case .beforeAttributeValue:
            throw HTMLContextViolation(message: "attributes must be quoted: write name=\"{{ … }}\"")
        case .tagOpen, .endTagOpen, .tagName:
            throw HTMLContextViolation(message: "no interpolation inside a tag name")
        case .beforeAttributeName, .attributeName, .afterAttributeName:
            throw HTMLContextViolation(
                message: "no interpolation between attributes; interpolate quoted attribute values "
                    + "(name=\"{{ … }}\")")
        case .markupDeclaration, .comment, .bogusComment:
            throw HTMLContextViolation(message: "no interpolation inside an HTML comment; use {# … #} for comments")
        }
    }

    /// The context after two alternative paths (`{% if %}` branches, zero or more loop iterations) meet,
    /// or nil when they disagree in a way that no later interpolation could be checked against.
    static func join(_ first: HTMLContext, _ second: HTMLContext) -> HTMLContext? {
        if first == second { return first }
        if case .attributeValue(var left) = first, case .attributeValue(let right) = second,
            left.element == right.element, left.name == right.name, left.quote == right.quote, left.url != nil
        {
            left.url = .ambiguous
            return .attributeValue(left)
        }
        // `<input{% if on %} checked{% endif %}>`: both sides are between attributes of the same tag; only the
        // name of the attribute being read is uncertain.
        if let left = first.tagInteriorElement, let right = second.tagInteriorElement, left == right {
            return .attributeName(element: left, name: nil)
        }
        return nil
    }

    /// The context after a `{% block %}`, loosened so that it also covers where an override may end: anywhere in
    /// the same URL value, or anywhere between the attributes of the same tag. Overrides must end in a context
    /// that joins into it.
    var afterBlock: HTMLContext {
        switch self {
        case .attributeValue(var value) where value.url != nil:
            value.url = .ambiguous
            return .attributeValue(value)
        case .beforeAttributeName(let element), .attributeName(let element, _), .afterAttributeName(let element, _):
            return .attributeName(element: element, name: nil)
        default:
            return self
        }
    }

    private var tagInteriorElement: [UInt8]? {
        switch self {
        case .beforeAttributeName(let element), .attributeName(let element, _), .afterAttributeName(let element, _):
            element
        default:
            nil
        }
    }
}

extension HTMLContext: CustomStringConvertible {
    /// A phrase for error messages, such as `the value of href="…"`.
    var description: String {
        switch self {
        case .text:
            "HTML text"
        case .rawText(let element, _):
            "<\(String(decoding: element, as: UTF8.self))>"
        case .tagOpen, .endTagOpen, .tagName:
            "a tag name"
        case .markupDeclaration, .comment, .bogusComment:
            "an HTML comment"
        case .beforeAttributeName(let element), .attributeName(let element, _), .afterAttributeName(let element, _),
            .beforeAttributeValue(let element, _):
            element.isEmpty ? "an end tag" : "the tag <\(String(decoding: element, as: UTF8.self)) …>"
        case .attributeValue(let value):
            "the value of \(value.name.map { String(decoding: $0, as: UTF8.self) } ?? "an attribute")=\"…\""
        }
    }
}

extension HTMLContext.URLPart {
    /// Advances over one literal byte of the attribute value.
    func consuming(_ byte: UInt8) throws(HTMLContextViolation) -> Self {
        switch self {
        case .scheme(var prefix):
            switch byte {
            case UInt8(ascii: ":"):
                prefix.append(byte)
                return URLSchemeScanner.isAllowed(prefix) ? .fixed : .unsafeScheme
            case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"):
                return .fixed
            case UInt8(ascii: "&"):
                // A character reference (`&#58;`) could be a colon, so the scheme is no longer knowable.
                return .ambiguous
            default:
                prefix.append(byte)
                return .scheme(prefix: prefix)
            }
        case .ambiguous:
            switch byte {
            case UInt8(ascii: ":"), UInt8(ascii: "&"):
                throw HTMLContextViolation(
                    message: "'\(Character(Unicode.Scalar(byte)))' after an interpolated value could make that value "
                        + "a URL scheme; use one value for the whole URL")
            case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"):
                return .fixed
            default:
                return .ambiguous
            }
        case .fixed, .unsafeScheme:
            return self
        }
    }
}
