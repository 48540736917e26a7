/// Byte classes of RFC 9110 §5.6 and RFC 9112, for both directions of HTTP/1.1, as members of
/// `UInt8`: `byte.isTokenCharacter`, `bytes.allSatisfy(\.isFieldValueByte)`.
///
/// Members of an extension of a standard-library type, not of a namespace enum of this module:
/// the server's parser calls them once per byte from another module, and Swift inlines
/// `@inlinable package` members across modules only there (a member of a `package` type stays a
/// call, which showed as 600 instructions more per `/healthz`). Switches rather than tables: no
/// lazily initialised global on the per-byte path. The line and field delimiters are written
/// `UInt8(ascii: "\r")`, which folds to a constant.
extension UInt8 {
    /// `tchar`: the characters of a token (method names, field names, transfer codings, chunk
    /// extension names and values).
    @inlinable
    package var isTokenCharacter: Bool {
        switch self {
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

    /// Allowed in a field value: HTAB, SP, VCHAR and obs-text (RFC 9110 §5.5). Everything else
    /// (NUL, CR, LF, other controls, DEL) is refused, on the way in and on the way out.
    @inlinable
    package var isFieldValueByte: Bool { self == 0x09 || (self >= 0x20 && self != 0x7F) }

    /// `SP` or `HTAB`: optional and bad whitespace (OWS, BWS; RFC 9110 §5.6.3).
    @inlinable
    package var isHTTPWhitespace: Bool { self == 0x20 || self == 0x09 }

    /// Allowed in a request-target: visible ASCII only (RFC 3986 plus what browsers send raw).
    @inlinable
    package var isRequestTargetByte: Bool { self >= 0x21 && self <= 0x7E }

    /// `qdtext` (RFC 9110 §5.6.4): what a quoted-string holds without a backslash. What may
    /// follow a backslash (quoted-pair) is ``isFieldValueByte``.
    @inlinable
    package var isQuotedTextByte: Bool {
        self == 0x09 || self == 0x20 || self == 0x21 || (self >= 0x23 && self <= 0x5B) || (self >= 0x5D && self != 0x7F)
    }

    /// The value of a hex digit, nil when the byte is not one.
    @inlinable
    package var hexDigitValue: UInt64? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(self - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(self - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt64(self - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
