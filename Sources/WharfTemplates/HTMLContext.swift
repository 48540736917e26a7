/// Where the literal HTML so far has left a browser's tokenizer (WHATWG HTML §13.2.5, simplified), tracked just
/// closely enough to know how an interpolated value would be read. Used at load time only.
enum HTMLContext: Sendable, Equatable {
    /// Element content, where escaped text is inert.
    case text
    /// Inside `<script>`, `<style>`, `<title>`, `<textarea>` and the like, until the matching end tag;
    /// `matched` counts the bytes of `</name` seen so far.
    case rawText(element: [UInt8], matched: Int)
    /// Just after `<`.
    case tagOpen
    /// Just after `</`.
    case endTagOpen
    case tagName(name: [UInt8], isEndTag: Bool)
    /// After `<!`, with the number of `-` seen.
    case markupDeclaration(dashes: Int)
    /// Inside `<!-- -->`; `dashes` counts trailing `-` (3 means `--!`).
    case comment(dashes: Int)
    /// `<!DOCTYPE …>`, `<?…>` and other oddities, up to `>`. End tags use `element: []`.
    case bogusComment
    case beforeAttributeName(element: [UInt8])
    /// `name` is nil when an `{% if %}` made it unknowable.
    case attributeName(element: [UInt8], name: [UInt8]?)
    case afterAttributeName(element: [UInt8], name: [UInt8]?)
    case beforeAttributeValue(element: [UInt8], name: [UInt8]?)
    case attributeValue(AttributeValue)

    /// An attribute value being read.
    struct AttributeValue: Sendable, Equatable {
        var element: [UInt8]
        var name: [UInt8]?
        /// `"` or `'`; nil for an unquoted value.
        var quote: UInt8?
        /// Progress through the URL, for URL-valued attributes only.
        var url: URLPart?
    }

    /// How much of a URL attribute's value is known, which decides whether an interpolation can set its scheme.
    enum URLPart: Sendable, Equatable {
        /// Only literal bytes so far, none of `: / ? #`; an interpolation here is checked at render time.
        case scheme(prefix: [UInt8])
        /// An earlier interpolation, or an `{% if %}`, may still be forming the scheme.
        case ambiguous
        /// The scheme is a literal allowed one, or a path, query or fragment has begun.
        case fixed
        /// A literal scheme other than http, https or mailto (`javascript:`): nothing may be interpolated.
        case unsafeScheme
    }

    /// Elements whose content is raw text in which nothing may be interpolated.
    static let scriptLikeElements: Set<[UInt8]> = Set(
        ["script", "style", "xmp", "iframe", "noembed", "noframes", "plaintext"].map { Array($0.utf8) })
    /// Elements whose content is escapable raw text (RCDATA): escaped values are inert there.
    static let escapableRawTextElements: Set<[UInt8]> = Set(["title", "textarea"].map { Array($0.utf8) })
    /// Attributes holding a URL whose scheme must be checked.
    static let urlAttributes: Set<[UInt8]> = Set(
        [
            "href", "src", "action", "formaction", "poster", "cite", "data", "background", "icon", "manifest",
            "codebase", "longdesc", "usemap", "xlink:href",
        ].map { Array($0.utf8) })

    /// Advances over one byte of literal template text.
    /// - Throws: when literal text after an interpolation could complete a URL scheme.
    mutating func consume(_ byte: UInt8) throws(HTMLContextViolation) {
        switch self {
        case .text:
            if byte == UInt8(ascii: "<") { self = .tagOpen }
        case .rawText(let element, let matched):
            self = Self.rawText(element, matched: matched, then: byte)
        case .tagOpen:
            if Self.isLetter(byte) {
                self = .tagName(name: [Self.lowercased(byte)], isEndTag: false)
            } else if byte == UInt8(ascii: "/") {
                self = .endTagOpen
            } else if byte == UInt8(ascii: "!") {
                self = .markupDeclaration(dashes: 0)
            } else if byte == UInt8(ascii: "?") {
                self = .bogusComment
            } else {
                self = .text
                try consume(byte)
            }
        case .endTagOpen:
            if Self.isLetter(byte) {
                self = .tagName(name: [Self.lowercased(byte)], isEndTag: true)
            } else {
                self = byte == UInt8(ascii: ">") ? .text : .bogusComment
            }
        case .tagName(var name, let isEndTag):
            let element = isEndTag ? [] : name
            if Self.isSpace(byte) || byte == UInt8(ascii: "/") {
                self = .beforeAttributeName(element: element)
            } else if byte == UInt8(ascii: ">") {
                self = Self.afterTag(element)
            } else {
                name.append(Self.lowercased(byte))
                self = .tagName(name: name, isEndTag: isEndTag)
            }
        case .markupDeclaration(let dashes):
            if byte == UInt8(ascii: "-") {
                // `<!--` enters the comment with two dashes already "trailing", so `<!-->` closes at once, as in HTML.
                self = dashes == 0 ? .markupDeclaration(dashes: 1) : .comment(dashes: 2)
            } else {
                self = byte == UInt8(ascii: ">") ? .text : .bogusComment
            }
        case .comment(let dashes):
            if byte == UInt8(ascii: "-") {
                self = .comment(dashes: dashes == 3 ? 1 : min(dashes + 1, 2))
            } else if byte == UInt8(ascii: ">"), dashes >= 2 {
                self = .text
            } else {
                self = .comment(dashes: byte == UInt8(ascii: "!") && dashes == 2 ? 3 : 0)
            }
        case .bogusComment:
            if byte == UInt8(ascii: ">") { self = .text }
        case .beforeAttributeName(let element):
            if byte == UInt8(ascii: ">") {
                self = Self.afterTag(element)
            } else if !Self.isSpace(byte), byte != UInt8(ascii: "/") {
                self = .attributeName(element: element, name: [Self.lowercased(byte)])
            }
        case .attributeName(let element, var name):
            if Self.isSpace(byte) {
                self = .afterAttributeName(element: element, name: name)
            } else if byte == UInt8(ascii: "/") {
                self = .beforeAttributeName(element: element)
            } else if byte == UInt8(ascii: ">") {
                self = Self.afterTag(element)
            } else if byte == UInt8(ascii: "=") {
                self = .beforeAttributeValue(element: element, name: name)
            } else {
                name?.append(Self.lowercased(byte))
                self = .attributeName(element: element, name: name)
            }
        case .afterAttributeName(let element, let name):
            if byte == UInt8(ascii: "/") {
                self = .beforeAttributeName(element: element)
            } else if byte == UInt8(ascii: "=") {
                self = .beforeAttributeValue(element: element, name: name)
            } else if byte == UInt8(ascii: ">") {
                self = Self.afterTag(element)
            } else if !Self.isSpace(byte) {
                self = .attributeName(element: element, name: [Self.lowercased(byte)])
            }
        case .beforeAttributeValue(let element, let name):
            let url: URLPart? = name.flatMap { Self.urlAttributes.contains($0) ? .scheme(prefix: []) : nil }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                self = .attributeValue(AttributeValue(element: element, name: name, quote: byte, url: url))
            } else if byte == UInt8(ascii: ">") {
                self = Self.afterTag(element)
            } else if !Self.isSpace(byte) {
                self = .attributeValue(AttributeValue(element: element, name: name, quote: nil, url: url))
                try consume(byte)
            }
        case .attributeValue(var value):
            if let quote = value.quote, byte == quote {
                self = .beforeAttributeName(element: value.element)
            } else if value.quote == nil, Self.isSpace(byte) {
                self = .beforeAttributeName(element: value.element)
            } else if value.quote == nil, byte == UInt8(ascii: ">") {
                self = Self.afterTag(value.element)
            } else if let url = value.url {
                value.url = try url.consuming(byte)
                self = .attributeValue(value)
            }
        }
    }

    /// The state after the `>` of a tag: raw text for `<script>`-like elements, text otherwise.
    private static func afterTag(_ element: [UInt8]) -> HTMLContext {
        if scriptLikeElements.contains(element) || escapableRawTextElements.contains(element) {
            return .rawText(element: element, matched: 0)
        }
        return .text
    }

    /// Looks for `</element` followed by whitespace, `/` or `>`, which ends raw text.
    private static func rawText(_ element: [UInt8], matched: Int, then byte: UInt8) -> HTMLContext {
        let restart = byte == UInt8(ascii: "<") ? 1 : 0
        switch matched {
        case 0:
            return .rawText(element: element, matched: restart)
        case 1:
            return .rawText(element: element, matched: byte == UInt8(ascii: "/") ? 2 : restart)
        case 2 + element.count:
            if isSpace(byte) || byte == UInt8(ascii: "/") { return .beforeAttributeName(element: []) }
            if byte == UInt8(ascii: ">") { return .text }
            return .rawText(element: element, matched: restart)
        default:
            let expected = element[matched - 2]
            return .rawText(element: element, matched: lowercased(byte) == expected ? matched + 1 : restart)
        }
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}

/// Literal HTML or an interpolation that is unsafe where it stands; the checker adds file:line:column.
struct HTMLContextViolation: Error, Sendable {
    var message: String
}
