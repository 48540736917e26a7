/// A JSON value exactly as its text held it: object members in order, duplicates kept, and
/// numbers as their text. The Docker endpoint parses checked bodies into this, applies the engine's
/// decoding rules (WharfApp's `normalized(_:)`), checks the result and forwards its own
/// serialisation (``serialized``), so the engine decodes what Wharf checked. The Docker client
/// reads each line of the engine's event stream with it, and the events hub writes each event's
/// JSON with it: for one small value, far less code runs than through Foundation's coders
/// (an event read and written cold in 70 µs instead of 200).
///
/// The parser is strict where Go's `encoding/json` is lenient or differs: invalid UTF-8, lone
/// surrogates, trailing data after the value and nesting deeper than ``maximumDepth`` are refused
/// rather than repaired, so no byte sequence reads one way here and another way in the engine.
package indirect enum JSONText: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text, checked against the JSON grammar (RFC 8259 §6) and written back unchanged.
    case number(String)
    case string(String)
    case array([JSONText])
    case object([Member])

    package struct Member: Sendable, Equatable {
        package var key: String
        package var value: JSONText

        package init(key: String, value: JSONText) {
            self.key = key
            self.value = value
        }
    }

    package static let maximumDepth = 64

    /// Why a body is not JSON the endpoint accepts; `description` is shown to the client.
    package struct SyntaxError: Error, Equatable, CustomStringConvertible {
        package let offset: Int
        package let reason: String
        package var description: String { "the JSON body is malformed at byte \(offset): \(reason)" }
    }

    /// Parses one JSON value; white space may surround it, nothing else.
    package static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONText {
        var parser = Parser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw parser.failure("data after the JSON value") }
        return value
    }

    /// `text` as a JSON string literal, escaped per RFC 8259 §7: the access log's JSON lines (a
    /// request target may hold a quote or a backslash) and the audit history's JSON output. `\n`,
    /// `\r` and `\t` are written short: the audit chain hashes this text, so it never changes.
    package static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        writeString(text, shortEscapes: true, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The value of the first member whose key is exactly `key` (after normalisation keys are unique).
    package subscript(key: String) -> JSONText? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    package var isNull: Bool { self == .null }

    /// The string, if this is one.
    package var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The number as a whole `Int64`, if this is one that fits.
    package var int64Value: Int64? {
        if case .number(let text) = self { return Int64(text) }
        return nil
    }

    /// An object's members whose values are strings, by key (a later duplicate wins).
    package var stringMembers: [String: String]? {
        guard case .object(let members) = self else { return nil }
        var strings: [String: String] = [:]
        for member in members {
            if let text = member.value.stringValue { strings[member.key] = text }
        }
        return strings
    }

    /// Compact JSON text: strings escaped, numbers as parsed, members in order.
    package var serialized: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let value): out += Array((value ? "true" : "false").utf8)
        case .number(let text): out += Array(text.utf8)
        case .string(let text): Self.writeString(text, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A string literal: `"` and `\\` escaped, and every control character as `\u00XX`, or, with
    /// `shortEscapes`, `\n`, `\r` and `\t` as those.
    private static func writeString(_ text: String, shortEscapes: Bool = false, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [0x5C, 0x22]
            case UInt8(ascii: "\\"): out += [0x5C, 0x5C]
            case 0x0A where shortEscapes: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D where shortEscapes: out += [0x5C, UInt8(ascii: "r")]
            case 0x09 where shortEscapes: out += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20:
                out += Array("\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        func failure(_ reason: String) -> SyntaxError { SyntaxError(offset: index, reason: reason) }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> JSONText {
            guard depth < JSONText.maximumDepth else { throw failure("nested deeper than \(JSONText.maximumDepth) levels") }
            guard index < bytes.count else { throw failure("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw failure("unexpected character")
            }
        }

        mutating func literal(_ word: String) throws(SyntaxError) {
            let expected = Array(word.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
                throw failure("expected \(word)")
            }
            index += expected.count
        }

        mutating func object(depth: Int) throws(SyntaxError) -> JSONText {
            index += 1
            var members: [Member] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a member name") }
                let key = try string()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                index += 1
                skipSpace()
                members.append(Member(key: key, value: try value(depth: depth + 1)))
                skipSpace()
                guard index < bytes.count else { throw failure("unexpected end") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                guard bytes[index] == UInt8(ascii: "}") else { throw failure("expected ',' or '}'") }
                index += 1
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) -> JSONText {
            index += 1
            var items: [JSONText] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw failure("unexpected end") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                guard bytes[index] == UInt8(ascii: "]") else { throw failure("expected ',' or ']'") }
                index += 1
                return .array(items)
            }
        }

        mutating func number() throws(SyntaxError) -> String {
            let start = index
            func digits() -> Int {
                let first = index
                while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
                return index - first
            }
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw failure("bad number") }
            if bytes[index] == UInt8(ascii: "0") { index += 1 } else if digits() == 0 { throw failure("bad number") }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw failure("bad number") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw failure("bad number") }
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func string() throws(SyntaxError) -> String {
            index += 1
            var out: [UInt8] = []
            while true {
                guard index < bytes.count else { throw failure("unterminated string") }
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    guard let text = String(validating: out, as: UTF8.self) else { throw failure("a string is not UTF-8") }
                    return text
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw failure("unterminated escape") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"): out += try unicodeEscape()
                    default: throw failure("unknown escape")
                    }
                case 0..<0x20:
                    throw failure("a control character in a string")
                default:
                    out.append(byte)
                    index += 1
                }
            }
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw failure("short \\u escape") }
            var value: UInt32 = 0
            for byte in bytes[index..<index + 4] {
                guard let digit = Self.hexValue(byte) else { throw failure("bad \\u escape") }
                value = value << 4 | UInt32(digit)
            }
            index += 4
            return value
        }

        /// `\uXXXX`, with a surrogate pair as one scalar; a lone surrogate is refused (Go would
        /// silently replace it with U+FFFD).
        mutating func unicodeEscape() throws(SyntaxError) -> [UInt8] {
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw failure("a lone surrogate")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("a lone surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw failure("a lone surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("bad \\u escape") }
            return Array(String(Character(unicode)).utf8)
        }

        static func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - 0x30
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - 0x61 + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - 0x41 + 10
            default: nil
            }
        }
    }
}
