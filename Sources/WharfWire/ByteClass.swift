/// Byte classes of RFC 9110 §5.6 and RFC 9112, for both directions of HTTP/1.1.
///
/// The constants are computed properties, so another module folds them instead of calling an
/// accessor of a global.
///
/// `@inlinable` switches rather than tables: the request parser calls these once per byte, from
/// another module, and a lazily initialised global table or a cross-module call per byte would
/// show in the instructions counted per request.
package enum ByteClass {
    @inlinable package static var cr: UInt8 { 0x0D }
    @inlinable package static var lf: UInt8 { 0x0A }
    @inlinable package static var space: UInt8 { 0x20 }
    @inlinable package static var tab: UInt8 { 0x09 }
    @inlinable package static var colon: UInt8 { 0x3A }
    @inlinable package static var semicolon: UInt8 { 0x3B }
    @inlinable package static var equals: UInt8 { 0x3D }
    @inlinable package static var quote: UInt8 { 0x22 }
    @inlinable package static var backslash: UInt8 { 0x5C }

    /// `tchar`: the characters of a token (method names, field names, transfer codings, chunk
    /// extension names).
    @inlinable @inline(__always)
    package static func isToken(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// Bytes allowed in a field value: HTAB, SP, VCHAR and obs-text (RFC 9110 §5.5). Everything else
    /// (NUL, CR, LF, other controls, DEL) is refused, on the way in and on the way out.
    @inlinable @inline(__always)
    package static func isFieldValue(_ byte: UInt8) -> Bool { byte == 0x09 || (byte >= 0x20 && byte != 0x7F) }

    /// `SP` or `HTAB`: optional and bad whitespace (OWS, BWS; RFC 9110 §5.6.3).
    @inlinable @inline(__always)
    package static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// Bytes allowed in a request-target: visible ASCII only (RFC 3986 plus what browsers send raw).
    @inlinable @inline(__always)
    package static func isTargetByte(_ byte: UInt8) -> Bool { byte >= 0x21 && byte <= 0x7E }

    /// `qdtext` (RFC 9110 §5.6.4): what a quoted-string holds without escaping.
    @inlinable
    package static func isQuotedText(_ byte: UInt8) -> Bool {
        byte == 0x09 || byte == 0x20 || byte == 0x21 || (byte >= 0x23 && byte <= 0x5B) || (byte >= 0x5D && byte != 0x7F)
    }

    /// What may follow a backslash in a quoted-pair: HTAB, SP, VCHAR, obs-text (RFC 9110 §5.6.4).
    @inlinable
    package static func isQuotable(_ byte: UInt8) -> Bool { isFieldValue(byte) }

    /// The value of a hex digit, nil when the byte is not one.
    @inlinable
    package static func hexValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt64(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
