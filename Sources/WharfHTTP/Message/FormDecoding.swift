import WharfWire

/// Percent-decoding of paths and `application/x-www-form-urlencoded` data (WHATWG URL §5).
package enum FormDecoding {
    /// Splits `a=1&b=2` into decoded pairs; `+` means space; a pair without `=` has an empty value.
    package static func pairs(_ text: some StringProtocol) -> [(name: String, value: String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (decode(pair[..<equals], plusIsSpace: true) ?? "",
                        decode(pair[pair.index(after: equals)...], plusIsSpace: true) ?? "")
            }
            return (decode(pair, plusIsSpace: true) ?? "", "")
        }
    }

    /// Percent-decodes `text`; nil when an escape is malformed or the result is not UTF-8.
    package static func decode(_ text: some StringProtocol, plusIsSpace: Bool = false) -> String? {
        guard let bytes = decodeBytes(text, plusIsSpace: plusIsSpace) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Percent-decodes `text` to bytes; nil when an escape is malformed.
    package static func decodeBytes(_ text: some StringProtocol, plusIsSpace: Bool = false) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(\.hexDigitValue),
                      let low = iterator.next().flatMap(\.hexDigitValue) else { return nil }
                output.append(UInt8(high << 4 | low))
            } else if plusIsSpace && byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else {
                output.append(byte)
            }
        }
        return output
    }

    /// Percent-encodes everything but unreserved characters (RFC 3986 §2.3).
    package static func encode(_ text: some StringProtocol) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                output += "%"
                output.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                output.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return output
    }
}
