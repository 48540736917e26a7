/// An incremental decoder of the chunked transfer coding (RFC 9112 §7.1).
///
/// Call ``next(_:)`` with the bytes available; it consumes framing and reports at most one run of
/// body bytes at a time as a range of the input, so data is never copied by the decoder. Chunk
/// extensions are bounded and ignored; trailer fields are bounded, checked and ignored.
package struct ChunkedDecoder {
    /// What the decoder found in the input it was given.
    package enum Event: Equatable {
        /// Everything given was framing; give more input.
        case needMore
        /// Body bytes at this range of the input (already counted in `consumed`).
        case data(Range<Int>)
        /// The last chunk and the trailer section are done.
        case end
    }

    private enum State {
        case size(value: UInt64, digits: Int)
        case extensions(length: Int)
        case sizeLF(value: UInt64)
        case data(remaining: UInt64)
        case dataCR
        case dataLF
        case trailerLineStart
        case trailerLine
        case trailerLF(empty: Bool)
        case done
    }

    private var state = State.size(value: 0, digits: 0)
    private let limits: HTTPLimits
    private var trailerBytes = 0
    private var trailerLines = 0
    private var trailerLineLength = 0

    package init(limits: HTTPLimits) { self.limits = limits }

    package var isDone: Bool { if case .done = state { true } else { false } }

    /// Consumes framing from `input` up to the next run of data (returned) or the end of the body.
    /// - Returns: how many bytes of `input` were used, and what was found.
    package mutating func next(_ input: UnsafeRawBufferPointer) throws(HTTPParseError) -> (consumed: Int, event: Event) {
        var index = 0
        while index < input.count {
            let byte = input[index]
            switch state {
            case .size(let value, let digits):
                if let digit = ByteClass.hexValue(byte) {
                    guard digits < 16 else { throw .badChunk("chunk size too large") }
                    state = .size(value: value << 4 | digit, digits: digits + 1)
                } else {
                    guard digits > 0 else { throw .badChunk("missing chunk size") }
                    if byte == ByteClass.cr {
                        state = .sizeLF(value: value)
                    } else if byte == UInt8(ascii: ";") || byte == ByteClass.space || byte == ByteClass.tab {
                        state = .extensions(length: 1)
                        pendingSize = value
                    } else {
                        throw .badChunk("invalid chunk size")
                    }
                }
            case .extensions(let length):
                if byte == ByteClass.cr {
                    state = .sizeLF(value: pendingSize)
                } else {
                    guard byte == ByteClass.tab || (byte >= 0x20 && byte != 0x7F) else {
                        throw .badChunk("control character in a chunk extension")
                    }
                    guard length < limits.maxChunkExtensionBytes else { throw .badChunk("chunk extension too long") }
                    state = .extensions(length: length + 1)
                }
            case .sizeLF(let value):
                guard byte == ByteClass.lf else { throw .badChunk("chunk size line not ended by CRLF") }
                state = value == 0 ? .trailerLineStart : .data(remaining: value)
            case .data(let remaining):
                let available = UInt64(input.count - index)
                let take = Int(min(remaining, available))
                let left = remaining - UInt64(take)
                state = left == 0 ? .dataCR : .data(remaining: left)
                return (index + take, .data(index..<(index + take)))
            case .dataCR:
                guard byte == ByteClass.cr else { throw .badChunk("chunk data not followed by CRLF") }
                state = .dataLF
            case .dataLF:
                guard byte == ByteClass.lf else { throw .badChunk("chunk data not followed by CRLF") }
                state = .size(value: 0, digits: 0)
            case .trailerLineStart:
                if byte == ByteClass.cr {
                    state = .trailerLF(empty: true)
                } else {
                    trailerLines += 1
                    guard trailerLines <= limits.maxHeaderCount else { throw .tooManyHeaders }
                    guard ByteClass.isToken(byte) else { throw .badChunk("invalid trailer field") }
                    state = .trailerLine
                }
            case .trailerLine:
                if byte == ByteClass.cr {
                    state = .trailerLF(empty: false)
                } else {
                    guard ByteClass.isFieldValue(byte) else { throw .badChunk("control character in a trailer field") }
                }
            case .trailerLF(let empty):
                guard byte == ByteClass.lf else { throw .badChunk("bare CR in the trailer section") }
                if empty {
                    state = .done
                    return (index + 1, .end)
                }
                state = .trailerLineStart
            case .done:
                return (index, .end)
            }
            if case .trailerLine = state { trailerBytes += 1 }
            if trailerBytes > limits.maxHeaderBytes { throw .headersTooLarge }
            index += 1
        }
        if case .done = state { return (index, .end) }
        return (index, .needMore)
    }

    private var pendingSize: UInt64 = 0
}
