/// Writes the field lines of a request or response head (RFC 9112 §5) and chunk framing, refusing
/// any name that is not a token and any value with CR, LF, NUL or another control character, so
/// no value can add a header, end the head early or start another message (response splitting,
/// request smuggling).
package enum HTTPHeadEncoder {
    /// A field that cannot be sent.
    package struct InvalidField: Error, Equatable, CustomStringConvertible {
        /// The field's name, cut to 64 characters.
        package let name: String

        package var description: String {
            "header \(name) has a name or value that cannot be sent (CR, LF or control character)"
        }
    }

    /// Appends a whole response head: `HTTP/1.1 code reason\r\n`, the fields, the empty line.
    /// One call for the server's hot path (each field's check and copy is inlined here).
    package static func appendResponseHead(
        code: Int, reason: String, headers: HTTPHeaders, to buffer: inout [UInt8]
    ) throws(InvalidField) {
        buffer.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(code, to: &buffer)
        buffer.append(UInt8(ascii: " "))
        buffer.append(contentsOf: reason.utf8)
        appendLineEnd(to: &buffer)
        for (name, value) in headers { try appendField(name, value, to: &buffer) }
        appendLineEnd(to: &buffer)
    }

    /// Appends `name: value\r\n` for each field of `headers`.
    package static func appendFields(_ headers: HTTPHeaders, to buffer: inout [UInt8]) throws(InvalidField) {
        for (name, value) in headers { try appendField(name, value, to: &buffer) }
    }

    /// Appends `name: value\r\n`.
    @inline(__always)
    package static func appendField(_ name: String, _ value: String, to buffer: inout [UInt8]) throws(InvalidField) {
        let start = buffer.count
        guard append(name, to: &buffer, ifEvery: \.isTokenCharacter, empty: false) else {
            throw InvalidField(name: String(name.prefix(64)))
        }
        buffer.append(UInt8(ascii: ":"))
        buffer.append(UInt8(ascii: " "))
        guard append(value, to: &buffer, ifEvery: \.isFieldValueByte, empty: true) else {
            buffer.removeSubrange(start...)
            throw InvalidField(name: String(name.prefix(64)))
        }
        appendLineEnd(to: &buffer)
    }

    /// Appends `text`'s UTF-8 when every byte passes `valid`: checked and copied as contiguous
    /// bytes (a memcpy), read in place where the string allows it, which saves a copy (and its
    /// reference counting) per field on every response.
    @inline(__always)
    private static func append(_ text: String, to buffer: inout [UInt8], ifEvery valid: (UInt8) -> Bool, empty: Bool) -> Bool {
        func take(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            guard empty || !bytes.isEmpty, bytes.allSatisfy(valid) else { return false }
            buffer.append(contentsOf: bytes)
            return true
        }
        if let taken = text.utf8.withContiguousStorageIfAvailable(take) { return taken }
        var copy = text
        return copy.withUTF8(take)
    }

    @inline(__always)
    package static func appendLineEnd(to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\r"))
        buffer.append(UInt8(ascii: "\n"))
    }

    /// Appends `value` (not negative) in decimal.
    package static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value <= 0 {
            buffer.append(UInt8(ascii: "0"))
            return
        }
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            buffer.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Appends `value` (not negative) in lower-case hex, as chunk sizes are written.
    package static func appendHex(_ value: Int, to buffer: inout [UInt8]) {
        if value <= 0 {
            buffer.append(UInt8(ascii: "0"))
            return
        }
        var shift = (Int.bitWidth - value.leadingZeroBitCount + 3) / 4 * 4
        while shift > 0 {
            shift -= 4
            let digit = UInt8(truncatingIfNeeded: (value >> shift) & 0xF)
            buffer.append(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10)
        }
    }

    /// One chunk of the chunked coding: `size CRLF bytes CRLF`. Empty bytes give nothing: a
    /// chunk of size zero is the last chunk, which ``lastChunk`` writes.
    package static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        var frame: [UInt8] = []
        frame.reserveCapacity(bytes.count + 20)
        appendHex(bytes.count, to: &frame)
        appendLineEnd(to: &frame)
        frame.append(contentsOf: bytes)
        appendLineEnd(to: &frame)
        return frame
    }

    /// What goes before a chunk of `count` bytes: `size CRLF` (``chunk(_:)`` without the bytes).
    package static func chunkHead(_ count: Int) -> [UInt8] {
        var head: [UInt8] = []
        head.reserveCapacity(18)
        appendHex(count, to: &head)
        appendLineEnd(to: &head)
        return head
    }

    /// What follows a chunk's bytes: `CRLF`.
    package static let chunkEnd: [UInt8] = Array("\r\n".utf8)

    /// The last chunk and an empty trailer section: `0 CRLF CRLF`.
    package static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
}
