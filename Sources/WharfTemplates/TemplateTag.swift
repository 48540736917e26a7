/// The meaning of one `{% … %}` tag, parsed from its words before the parser checks how tags nest.
enum TemplateTag: Sendable {
    case `if`(TemplateExpression)
    case elif(TemplateExpression)
    case `else`
    case endif
    case `for`(variable: String, sequence: TemplatePath)
    case endfor
    case block(name: String)
    /// `{% endblock %}` with an optional name that must match the open block.
    case endblock(name: String?)
    case extends(name: String)
    case include(name: String, context: TemplateOperand?)

    private static let keywords: Set<String> = [
        "if", "elif", "else", "endif", "for", "endfor", "block", "endblock", "extends", "include",
    ]

    /// - Throws: `TagSyntaxError` with a complete message, such as `unknown tag {% foo %}`.
    init(parsing content: String) throws(TagSyntaxError) {
        let words = try Self.words(in: content, describedAs: "tag {%\(content)%}")
        guard case .name(let keyword) = words.first else {
            throw TagSyntaxError(message: "malformed tag {%\(content)%}")
        }
        guard Self.keywords.contains(keyword) else {
            throw TagSyntaxError(message: "unknown tag {% \(keyword) %}")
        }
        var parser = ExpressionParser(words: Array(words.dropFirst()))
        do {
            self = try Self.arguments(of: keyword, &parser)
            try parser.expectEnd()
        } catch {
            throw TagSyntaxError(message: "bad {% \(keyword) %}: \(error.message)")
        }
    }

    private static func arguments(of keyword: String, _ parser: inout ExpressionParser) throws(TagSyntaxError) -> Self {
        switch keyword {
        case "if": return .if(try parser.parseExpression())
        case "elif": return .elif(try parser.parseExpression())
        case "else": return .else
        case "endif": return .endif
        case "for":
            let variable = try parser.parseIdentifier(for: "a loop variable name")
            guard variable != "loop" else { throw TagSyntaxError(message: "'loop' is reserved for the loop state") }
            try parser.expectKeyword("in")
            return .for(variable: variable, sequence: try parser.parsePath())
        case "endfor": return .endfor
        case "block": return .block(name: try parser.parseIdentifier(for: "a block name"))
        case "endblock":
            return .endblock(name: parser.isAtEnd ? nil : try parser.parseIdentifier(for: "the block name"))
        case "extends":
            return .extends(name: TemplateLibrary.templateName(try parser.parseString(for: "a template name")))
        case "include":
            let name = TemplateLibrary.templateName(try parser.parseString(for: "a template name"))
            guard !parser.isAtEnd else { return .include(name: name, context: nil) }
            try parser.expectKeyword("with")
            return .include(name: name, context: try parser.parseOperand())
        default:
            throw TagSyntaxError(message: "unknown tag {% \(keyword) %}")
        }
    }

    /// Parses the inside of `{{ … }}`: an operand, or `raw` followed by a path.
    static func output(parsing content: String) throws(TagSyntaxError) -> (value: TemplateOperand, isRaw: Bool) {
        let words = try words(in: content, describedAs: "output {{\(content)}}")
        do {
            if words.count == 2, words[0] == .name("raw") {
                var parser = ExpressionParser(words: [words[1]])
                return (.path(try parser.parsePath()), true)
            }
            var parser = ExpressionParser(words: words)
            let value = try parser.parseOperand()
            try parser.expectEnd()
            return (value, false)
        } catch {
            throw TagSyntaxError(message: "bad output {{\(content)}}: \(error.message)")
        }
    }

    private static func words(in content: String, describedAs description: String) throws(TagSyntaxError) -> [TagWord] {
        do {
            return try TagReader.words(in: content)
        } catch {
            throw TagSyntaxError(message: "bad \(description): \(error.message)")
        }
    }
}
