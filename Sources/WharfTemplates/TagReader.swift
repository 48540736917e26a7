/// A malformed tag, reported by the parser at the tag's location.
struct TagSyntaxError: Error, Sendable {
    var message: String
}

/// One word inside `{% … %}` or `{{ … }}`.
enum TagWord: Sendable, Equatable, CustomStringConvertible {
    /// A keyword, name or dotted path.
    case name(String)
    case string(String)
    case int(Int)
    case equal
    case notEqual

    var description: String {
        switch self {
        case .name(let name): "'\(name)'"
        case .string(let string): "string \"\(string)\""
        case .int(let number): "number \(number)"
        case .equal: "'=='"
        case .notEqual: "'!='"
        }
    }
}

/// Splits the inside of a tag into words: names (letters, digits, `_`, `.`), quoted strings, integers, `==`, `!=`.
enum TagReader {
    static func words(in content: String) throws(TagSyntaxError) -> [TagWord] {
        let bytes = Array(content.utf8)
        var words: [TagWord] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case _ where TemplateLexer.isWhitespace(byte):
                index += 1
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let (string, next) = try readString(bytes, from: index)
                words.append(.string(string))
                index = next
            case UInt8(ascii: "="), UInt8(ascii: "!"):
                guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "=") else {
                    throw TagSyntaxError(message: "unexpected '\(Character(Unicode.Scalar(byte)))'; did you mean '=='?")
                }
                words.append(byte == UInt8(ascii: "=") ? .equal : .notEqual)
                index += 2
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                var end = index + 1
                while end < bytes.count, isNameByte(bytes[end]) { end += 1 }
                let text = String(decoding: bytes[index..<end], as: UTF8.self)
                guard let number = Int(text) else {
                    throw TagSyntaxError(message: "'\(text)' is not a number")
                }
                words.append(.int(number))
                index = end
            case _ where isNameByte(byte):
                var end = index + 1
                while end < bytes.count, isNameByte(bytes[end]) { end += 1 }
                words.append(.name(String(decoding: bytes[index..<end], as: UTF8.self)))
                index = end
            default:
                let character = String(decoding: bytes[index...].prefix(4), as: UTF8.self).prefix(1)
                throw TagSyntaxError(message: "unexpected character '\(character)'")
            }
        }
        return words
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }

    /// Reads a string quoted by `"` or `'`; a backslash takes the next character literally.
    private static func readString(_ bytes: [UInt8], from start: Int) throws(TagSyntaxError) -> (String, Int) {
        let quote = bytes[start]
        var result: [UInt8] = []
        var index = start + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == quote {
                return (String(decoding: result, as: UTF8.self), index + 1)
            }
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                index += 1
            }
            result.append(bytes[index])
            index += 1
        }
        throw TagSyntaxError(message: "unterminated string literal")
    }
}
