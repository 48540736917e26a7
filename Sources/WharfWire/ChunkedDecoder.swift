/// An incremental decoder of the chunked transfer coding (RFC 9112 §7.1), for request bodies on
/// the server and response bodies in the Docker client.
///
/// ``next(_:)`` consumes framing and reports at most one run of body bytes at a time as a range
/// of its input, so data is never copied and nothing is buffered here: the result is the same
/// however the input is split. It is strict:
/// - a chunk size is 1 to 15 hex digits, leading zeros included. RFC 9112 §7.1 requires that
///   large numerals cannot overflow an integer conversion; 15 digits (under 2^60) always fit a
///   Swift `Int`, so no caller converting a size can trap, where 16 digits reach 2^64 − 1. (The
///   server allowed 16 and the Docker client 15; the stricter one is kept.)
/// - chunk extensions must follow `*( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )`
///   (§7.1.1), bounded in length, and are ignored;
/// - trailer lines must be `name ":" value` with a token name and no control characters (§7.1.2),
///   bounded in bytes and count, and are ignored.
package struct ChunkedDecoder {
    /// Bounds on what the decoder reads but does not deliver.
    package struct Limits: Sendable {
        /// Bytes of chunk extensions on one chunk-size line.
        package var maxExtensionBytes: Int
        /// Bytes of the trailer section.
        package var maxTrailerBytes: Int
        /// Trailer field lines.
        package var maxTrailerFields: Int

        package init(maxExtensionBytes: Int = 4096, maxTrailerBytes: Int = 16 * 1024, maxTrailerFields: Int = 128) {
            self.maxExtensionBytes = maxExtensionBytes
            self.maxTrailerBytes = maxTrailerBytes
            self.maxTrailerFields = maxTrailerFields
        }
    }

    /// What the decoder found in the input it was given.
    package enum Event: Equatable, Sendable {
        /// Everything given was framing; give more input.
        case needMore
        /// Body bytes at this range of the input (already counted in `consumed`).
        case data(Range<Int>)
        /// The last chunk and the trailer section are done.
        case end
    }

    enum State: Equatable {
        case size(digits: Int)
        /// Whitespace (BWS) after the size or a value, or after an extension name when `equals`.
        case extensionSpace(equals: Bool)
        /// After `;`: BWS, then a name.
        case extensionNameStart
        case extensionName
        /// After `=`: BWS, then a token or a quoted string.
        case extensionValueStart
        case extensionToken
        case extensionQuoted
        case extensionQuotedPair
        /// Right after a quoted string's closing quote.
        case extensionQuotedEnd
        case sizeLF
        case data(remaining: UInt64)
        case dataCR
        case dataLF
        case trailerLineStart
        case trailerName
        case trailerValue
        case trailerLF(empty: Bool)
        case done
    }

    private(set) var state = State.size(digits: 0)
    private let limits: Limits
    /// The size of the chunk whose size line is being read.
    private var size: UInt64 = 0
    private var extensionBytes = 0
    private var trailerBytes = 0
    private var trailerFields = 0

    package init(limits: Limits = Limits()) { self.limits = limits }

    /// Whether the last chunk and the trailer section have been read.
    package var isDone: Bool { state == .done }

    /// Consumes framing from `input` up to the next run of data (returned) or the end of the body.
    /// - Returns: how many bytes of `input` were used, and what was found.
    /// - Throws: ``WireError/malformed(_:)`` for bad framing, ``WireError/fieldsTooLarge`` and
    ///   ``WireError/tooManyFields`` for a trailer section over the limits.
    package mutating func next(_ input: UnsafeRawBufferPointer) throws(WireError) -> (consumed: Int, event: Event) {
        var index = 0
        while index < input.count {
            let byte = input[index]
            switch state {
            case .data(let remaining):
                let take = Int(min(remaining, UInt64(input.count - index)))
                let left = remaining - UInt64(take)
                state = left == 0 ? .dataCR : .data(remaining: left)
                return (index + take, .data(index..<(index + take)))
            case .size(let digits):
                try sizeByte(byte, digits: digits)
            case .sizeLF:
                guard byte == UInt8(ascii: "\n") else { throw .malformed("chunk size line not ended by CRLF") }
                state = size == 0 ? .trailerLineStart : .data(remaining: size)
            case .dataCR:
                guard byte == UInt8(ascii: "\r") else { throw .malformed("chunk data not followed by CRLF") }
                state = .dataLF
            case .dataLF:
                guard byte == UInt8(ascii: "\n") else { throw .malformed("chunk data not followed by CRLF") }
                state = .size(digits: 0)
            case .trailerLineStart, .trailerName, .trailerValue, .trailerLF:
                if try trailerByte(byte) { return (index + 1, .end) }
            case .done:
                return (index, .end)
            default:
                try extensionByte(byte)
            }
            index += 1
        }
        return (index, state == .done ? .end : .needMore)
    }

    private mutating func sizeByte(_ byte: UInt8, digits: Int) throws(WireError) {
        if let digit = byte.hexDigitValue {
            guard digits < 15 else { throw .malformed("chunk size too large") }
            size = digits == 0 ? digit : size << 4 | digit
            state = .size(digits: digits + 1)
            return
        }
        guard digits > 0 else { throw .malformed("missing chunk size") }
        if byte == UInt8(ascii: "\r") {
            state = .sizeLF
        } else if byte == UInt8(ascii: ";") || byte.isHTTPWhitespace {
            extensionBytes = 0
            try extensionByte(byte, first: true)
        } else {
            throw .malformed(byte == UInt8(ascii: "\n") ? "chunk size line not ended by CRLF" : "invalid chunk size")
        }
    }

    /// One byte of the chunk extensions (RFC 9112 §7.1.1), the size already read.
    private mutating func extensionByte(_ byte: UInt8, first: Bool = false) throws(WireError) {
        extensionBytes += 1
        guard extensionBytes <= limits.maxExtensionBytes else { throw .malformed("chunk extension too long") }
        let whitespace = byte.isHTTPWhitespace
        switch first ? State.extensionSpace(equals: false) : state {
        case .extensionSpace(let equals):
            if whitespace { state = .extensionSpace(equals: equals); return }
            if byte == UInt8(ascii: ";") { state = .extensionNameStart; return }
            if equals, byte == UInt8(ascii: "=") { state = .extensionValueStart; return }
            throw .malformed(byte == UInt8(ascii: "\r") ? "whitespace at the end of a chunk size line" : "invalid chunk extension")
        case .extensionNameStart:
            if whitespace { return }
            guard byte.isTokenCharacter else { throw .malformed("a chunk extension without a name") }
            state = .extensionName
        case .extensionName:
            if byte.isTokenCharacter { return }
            if byte == UInt8(ascii: "=") { state = .extensionValueStart; return }
            try endOfItem(byte, whitespace: whitespace, equals: true)
        case .extensionValueStart:
            if whitespace { return }
            if byte == UInt8(ascii: "\"") { state = .extensionQuoted; return }
            guard byte.isTokenCharacter else { throw .malformed("a chunk extension value that is neither a token nor a quoted string") }
            state = .extensionToken
        case .extensionToken:
            if byte.isTokenCharacter { return }
            try endOfItem(byte, whitespace: whitespace, equals: false)
        case .extensionQuoted:
            if byte == UInt8(ascii: "\"") { state = .extensionQuotedEnd; return }
            if byte == UInt8(ascii: "\\") { state = .extensionQuotedPair; return }
            guard byte.isQuotedTextByte else { throw .malformed("control character in a chunk extension") }
        case .extensionQuotedPair:
            guard byte.isFieldValueByte else { throw .malformed("control character in a chunk extension") }
            state = .extensionQuoted
        case .extensionQuotedEnd:
            try endOfItem(byte, whitespace: whitespace, equals: false)
        default:
            preconditionFailure("not in a chunk extension")  // safe: next(_:) routes only extension states here
        }
    }

    /// What may follow a name or a value: `;`, whitespace, or the CR ending the line.
    private mutating func endOfItem(_ byte: UInt8, whitespace: Bool, equals: Bool) throws(WireError) {
        if byte == UInt8(ascii: ";") {
            state = .extensionNameStart
        } else if whitespace {
            state = .extensionSpace(equals: equals)
        } else if byte == UInt8(ascii: "\r") {
            state = .sizeLF
        } else {
            throw .malformed(byte.isFieldValueByte ? "invalid chunk extension" : "control character in a chunk extension")
        }
    }

    /// One byte of the trailer section (RFC 9112 §7.1.2); true when it ended the body.
    private mutating func trailerByte(_ byte: UInt8) throws(WireError) -> Bool {
        switch state {
        case .trailerLineStart:
            if byte == UInt8(ascii: "\r") {
                state = .trailerLF(empty: true)
                return false
            }
            trailerFields += 1
            guard trailerFields <= limits.maxTrailerFields else { throw .tooManyFields }
            if byte.isHTTPWhitespace { throw .malformed("obsolete line folding in the trailer section") }
            guard byte.isTokenCharacter else { throw .malformed("invalid character in a trailer field name") }
            state = .trailerName
        case .trailerName:
            if byte == UInt8(ascii: ":") {
                state = .trailerValue
            } else if !byte.isTokenCharacter {
                if byte == UInt8(ascii: "\r") { throw .malformed("trailer field without a colon") }
                if byte.isHTTPWhitespace { throw .malformed("whitespace between a trailer field name and its colon") }
                throw .malformed("invalid character in a trailer field name")
            }
        case .trailerValue:
            if byte == UInt8(ascii: "\r") {
                state = .trailerLF(empty: false)
            } else if !byte.isFieldValueByte {
                throw .malformed("control character in a trailer field")
            }
        case .trailerLF(let empty):
            guard byte == UInt8(ascii: "\n") else { throw .malformed("bare CR in the trailer section") }
            if empty {
                state = .done
                return true
            }
            state = .trailerLineStart
        default:
            preconditionFailure("not in the trailer section")  // safe: next(_:) routes only trailer states here
        }
        trailerBytes += 1
        if trailerBytes > limits.maxTrailerBytes { throw .fieldsTooLarge }
        return false
    }
}
