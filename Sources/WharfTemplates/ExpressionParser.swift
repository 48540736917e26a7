/// Reads operands, paths and conditions from the words of one tag.
///
/// Grammar: `or := and ("or" and)*`, `and := not ("and" not)*`, `not := "not" not | compare`,
/// `compare := operand (("==" | "!=") operand)?`, `operand := path | "string" | int | true | false | null`.
struct ExpressionParser {
    /// Words that cannot start a path.
    static let keywords: Set<String> = ["and", "or", "not", "in", "true", "false", "null", "with"]

    private let words: [TagWord]
    private var position = 0

    init(words: [TagWord]) {
        self.words = words
    }

    var isAtEnd: Bool { position == words.count }

    /// The next word, if it is a name.
    var peekName: String? {
        guard position < words.count, case .name(let name) = words[position] else { return nil }
        return name
    }

    mutating func parseExpression() throws(TagSyntaxError) -> TemplateExpression {
        var expression = try parseAnd()
        while peekName == "or" {
            position += 1
            expression = .or(expression, try parseAnd())
        }
        return expression
    }

    private mutating func parseAnd() throws(TagSyntaxError) -> TemplateExpression {
        var expression = try parseNot()
        while peekName == "and" {
            position += 1
            expression = .and(expression, try parseNot())
        }
        return expression
    }

    private mutating func parseNot() throws(TagSyntaxError) -> TemplateExpression {
        if peekName == "not" {
            position += 1
            return .not(try parseNot())
        }
        let left = try parseOperand()
        guard position < words.count else { return .operand(left) }
        switch words[position] {
        case .equal:
            position += 1
            return .equal(left, try parseOperand())
        case .notEqual:
            position += 1
            return .notEqual(left, try parseOperand())
        default:
            return .operand(left)
        }
    }

    mutating func parseOperand() throws(TagSyntaxError) -> TemplateOperand {
        guard position < words.count else {
            throw TagSyntaxError(message: "expected a value at the end of the tag")
        }
        let word = words[position]
        position += 1
        switch word {
        case .string(let string): return .literal(.text(string))
        case .int(let number): return .literal(.int(number))
        case .name("true"): return .literal(.bool(true))
        case .name("false"): return .literal(.bool(false))
        case .name("null"): return .literal(.null)
        case .name(let name): return .path(try Self.path(name))
        case .equal, .notEqual: throw TagSyntaxError(message: "expected a value before \(word)")
        }
    }

    mutating func parsePath() throws(TagSyntaxError) -> TemplatePath {
        guard position < words.count else {
            throw TagSyntaxError(message: "expected a name at the end of the tag")
        }
        guard case .name(let name) = words[position] else {
            throw TagSyntaxError(message: "expected a name, found \(words[position])")
        }
        position += 1
        return try Self.path(name)
    }

    /// Consumes a plain identifier (no dots), such as a loop variable or block name.
    mutating func parseIdentifier(for role: String) throws(TagSyntaxError) -> String {
        guard let name = peekName, Self.isIdentifier(name), !Self.keywords.contains(name) else {
            let found = position < words.count ? "\(words[position])" : "the end of the tag"
            throw TagSyntaxError(message: "expected \(role), found \(found)")
        }
        position += 1
        return name
    }

    mutating func parseString(for role: String) throws(TagSyntaxError) -> String {
        guard position < words.count, case .string(let string) = words[position] else {
            let found = position < words.count ? "\(words[position])" : "the end of the tag"
            throw TagSyntaxError(message: "expected \(role) in quotes, found \(found)")
        }
        position += 1
        return string
    }

    mutating func expectKeyword(_ keyword: String) throws(TagSyntaxError) {
        guard peekName == keyword else {
            let found = position < words.count ? "\(words[position])" : "the end of the tag"
            throw TagSyntaxError(message: "expected '\(keyword)', found \(found)")
        }
        position += 1
    }

    func expectEnd() throws(TagSyntaxError) {
        guard isAtEnd else {
            throw TagSyntaxError(message: "unexpected \(words[position])")
        }
    }

    static func path(_ text: String) throws(TagSyntaxError) -> TemplatePath {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let head = parts.first, isIdentifier(head), !keywords.contains(head) else {
            throw TagSyntaxError(message: "'\(text)' is not a valid name")
        }
        var tail: [TemplatePath.Segment] = []
        for part in parts.dropFirst() {
            if isIdentifier(part) {
                tail.append(.key(part))
            } else if let index = Int(part), index >= 0, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                tail.append(.index(index))
            } else {
                throw TagSyntaxError(message: "'\(text)' is not a valid path")
            }
        }
        return TemplatePath(head: head, tail: tail, description: text)
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return text.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }
}
