/// One piece of a template source. Comments are dropped by the lexer.
struct TemplateToken: Sendable {
    enum Kind: Sendable, Equatable {
        /// Literal text, already trimmed by neighbouring `-` markers.
        case text([UInt8])
        /// The inside of `{{ … }}`.
        case output(String)
        /// The inside of `{% … %}`.
        case tag(String)
    }

    var kind: Kind
    /// Where the token starts: the `{` of its delimiter, or the first kept byte of text.
    var location: SourceLocation
}

/// Splits a template source into text, `{{ }}` and `{% %}` tokens, applying `{%-`/`-%}` whitespace trimming and
/// dropping `{# #}` comments.
struct TemplateLexer {
    private enum Delimiter {
        case output, tag, comment

        init?(_ byte: UInt8) {
            switch byte {
            case UInt8(ascii: "{"): self = .output
            case UInt8(ascii: "%"): self = .tag
            case UInt8(ascii: "#"): self = .comment
            default: return nil
            }
        }

        var opener: String {
            switch self {
            case .output: "{{"
            case .tag: "{%"
            case .comment: "{#"
            }
        }

        var closer: (first: UInt8, text: String) {
            switch self {
            case .output: (UInt8(ascii: "}"), "}}")
            case .tag: (UInt8(ascii: "%"), "%}")
            case .comment: (UInt8(ascii: "#"), "#}")
            }
        }
    }

    let file: String
    let bytes: [UInt8]

    /// Monotonic position cache, so computing locations stays linear in the file size.
    private var cursor = (index: 0, location: SourceLocation.start)
    private var tokens: [TemplateToken] = []

    init(file: String, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
    }

    /// - Returns: the tokens and the location just past the last byte.
    /// - Throws: `TemplateError.syntax` for an unterminated delimiter or string literal.
    mutating func tokenize() throws(TemplateError) -> (tokens: [TemplateToken], end: SourceLocation) {
        var index = 0
        var textStart = 0
        var trimNextText = false
        let count = bytes.count
        while index + 1 < count {
            guard bytes[index] == UInt8(ascii: "{"), let delimiter = Delimiter(bytes[index + 1]) else {
                index += 1
                continue
            }
            var contentStart = index + 2
            let trimBefore = contentStart < count && bytes[contentStart] == UInt8(ascii: "-")
            if trimBefore { contentStart += 1 }
            emitText(from: textStart, to: index, trimLeading: trimNextText, trimTrailing: trimBefore)
            let openLocation = locate(index)

            let closeIndex = try findCloser(of: delimiter, from: contentStart, openedAt: openLocation)
            let trimAfter = closeIndex > contentStart && bytes[closeIndex - 1] == UInt8(ascii: "-")
            let content = String(
                decoding: bytes[contentStart..<(trimAfter ? closeIndex - 1 : closeIndex)], as: UTF8.self)
            switch delimiter {
            case .output: tokens.append(TemplateToken(kind: .output(content), location: openLocation))
            case .tag: tokens.append(TemplateToken(kind: .tag(content), location: openLocation))
            case .comment: break
            }
            trimNextText = trimAfter
            index = closeIndex + 2
            textStart = index
        }
        emitText(from: textStart, to: count, trimLeading: trimNextText, trimTrailing: false)
        return (tokens, locate(count))
    }

    private mutating func locate(_ index: Int) -> SourceLocation {
        precondition(index >= cursor.index, "lexer locations must be requested in order")
        cursor = (index, cursor.location.advanced(over: bytes[cursor.index..<index]))
        return cursor.location
    }

    private mutating func emitText(from start: Int, to end: Int, trimLeading: Bool, trimTrailing: Bool) {
        var first = start
        var last = end
        if trimLeading {
            while first < last, Self.isWhitespace(bytes[first]) { first += 1 }
        }
        if trimTrailing {
            while last > first, Self.isWhitespace(bytes[last - 1]) { last -= 1 }
        }
        guard first < last else { return }
        tokens.append(TemplateToken(kind: .text(Array(bytes[first..<last])), location: locate(first)))
    }

    /// Finds the closing delimiter. Quoted strings inside `{{ }}` and `{% %}` may contain the closer; another
    /// opening delimiter before the closer means this one was never closed.
    private func findCloser(
        of delimiter: Delimiter, from start: Int, openedAt location: SourceLocation
    ) throws(TemplateError) -> Int {
        let closer = delimiter.closer
        var index = start
        while index + 1 < bytes.count {
            let byte = bytes[index]
            if byte == closer.first, bytes[index + 1] == UInt8(ascii: "}") {
                return index
            }
            if delimiter != .comment {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    index = try skipString(quotedBy: byte, at: index, openedAt: location, delimiter: delimiter)
                    continue
                }
                if byte == UInt8(ascii: "{"), Delimiter(bytes[index + 1]) != nil {
                    break
                }
            }
            index += 1
        }
        throw .syntax(file, location, "unterminated \(delimiter.opener): missing \(closer.text)")
    }

    /// - Returns: the index just past the closing quote.
    private func skipString(
        quotedBy quote: UInt8, at start: Int, openedAt location: SourceLocation, delimiter: Delimiter
    ) throws(TemplateError) -> Int {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case quote: return index + 1
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\n"): index = bytes.count
            default: index += 1
            }
        }
        throw .syntax(file, location, "unterminated string literal in \(delimiter.opener) \(delimiter.closer.text)")
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t")
            || byte == UInt8(ascii: "\r") || byte == 0x0C
    }
}
