/// HTML escaping of `& < > " '` into byte buffers. It scans bytes and copies runs that need no escaping in bulk,
/// so clean text costs one `memcpy`.
package enum HTMLEscaping {
    /// Escapes `string` for HTML text or a quoted attribute value; for code that builds `.trustedHTML`.
    package static func escape(_ string: String) -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(string.utf8.count + 16)
        append(escaping: string, to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    static func append(escaping string: String, to buffer: inout [UInt8]) {
        let written: Void? = string.utf8.withContiguousStorageIfAvailable { append(escaping: $0, to: &buffer) }
        if written == nil {
            var copy = string
            copy.withUTF8 { append(escaping: $0, to: &buffer) }
        }
    }

    static func append(escaping bytes: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        var runStart = 0
        for index in bytes.indices {
            let replacement: StaticString
            switch bytes[index] {
            case UInt8(ascii: "&"): replacement = "&amp;"
            case UInt8(ascii: "<"): replacement = "&lt;"
            case UInt8(ascii: ">"): replacement = "&gt;"
            case UInt8(ascii: "\""): replacement = "&quot;"
            case UInt8(ascii: "'"): replacement = "&#39;"
            default: continue
            }
            if runStart < index {
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            }
            append(replacement, to: &buffer)
            runStart = index + 1
        }
        if runStart < bytes.count {
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
    }

    static func append(_ literal: StaticString, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends the decimal digits of `number` without allocating a `String`.
    static func append(_ number: Int, to buffer: inout [UInt8]) {
        if number < 0 { buffer.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        let start = buffer.count
        repeat {
            buffer.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        buffer[start...].reverse()
    }

    /// Whether a value interpolated into a `style` attribute is a plain CSS value (`40%`, `#ff0000`, `bold`):
    /// letters, digits, spaces and `# % . , - _ +`. No `:`/`;` (new declarations), `(` (`url(`), quotes or `\`.
    static func isPlainCSSValue(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: " "), UInt8(ascii: "#"), UInt8(ascii: "%"),
                UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "+"):
                true
            default:
                false
            }
        }
    }

    /// The replacement for a `style` value that is not plain.
    static let blockedCSSReplacement: StaticString = "wharf-unsafe-css"
}
