/// An incremental decoder of the chunked transfer coding (RFC 9112 §7.1), client side.
///
/// ``next(_:)`` consumes framing and reports at most one run of body bytes at a time as a range of
/// its input, so data is never copied here and nothing is buffered: any split of the input works.
/// Chunk extensions and trailer fields are bounded and ignored.
struct ChunkedBodyDecoder {
    enum Event: Equatable {
        /// Everything given was framing; give more input.
        case needMore
        /// Body bytes at this range of the input (counted in `consumed`).
        case data(Range<Int>)
        /// The last chunk and the trailer section are done.
        case end
    }

    struct Failure: Error, Equatable, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    static let maxExtensionBytes = 4096
    static let maxTrailerBytes = 16 * 1024

    private enum State: Equatable {
        case size(value: UInt64, digits: Int)
        case extensions(value: UInt64, length: Int)
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
    private var trailerBytes = 0

    var isDone: Bool { state == .done }

    /// Consumes `input` up to the next run of data (returned) or the end of the body.
    mutating func next(_ input: UnsafeRawBufferPointer) throws(Failure) -> (consumed: Int, event: Event) {
        var index = 0
        while index < input.count {
            let byte = input[index]
            switch state {
            case .size(let value, let digits):
                if let digit = Self.hexValue(byte) {
                    guard digits < 15 else { throw Failure(reason: "chunk size too large") }
                    state = .size(value: value << 4 | digit, digits: digits + 1)
                } else {
                    guard digits > 0 else { throw Failure(reason: "missing chunk size") }
                    if byte == 0x0D {
                        state = .sizeLF(value: value)
                    } else if byte == UInt8(ascii: ";") || byte == 0x20 || byte == 0x09 {
                        state = .extensions(value: value, length: 1)
                    } else {
                        throw Failure(reason: "invalid chunk size")
                    }
                }
            case .extensions(let value, let length):
                if byte == 0x0D {
                    state = .sizeLF(value: value)
                } else {
                    guard byte == 0x09 || (byte >= 0x20 && byte != 0x7F) else {
                        throw Failure(reason: "control character in a chunk extension")
                    }
                    guard length < Self.maxExtensionBytes else { throw Failure(reason: "chunk extension too long") }
                    state = .extensions(value: value, length: length + 1)
                }
            case .sizeLF(let value):
                guard byte == 0x0A else { throw Failure(reason: "chunk size line not ended by CRLF") }
                state = value == 0 ? .trailerLineStart : .data(remaining: value)
            case .data(let remaining):
                let take = Int(min(remaining, UInt64(input.count - index)))
                let left = remaining - UInt64(take)
                state = left == 0 ? .dataCR : .data(remaining: left)
                return (index + take, .data(index..<(index + take)))
            case .dataCR:
                guard byte == 0x0D else { throw Failure(reason: "chunk data not followed by CRLF") }
                state = .dataLF
            case .dataLF:
                guard byte == 0x0A else { throw Failure(reason: "chunk data not followed by CRLF") }
                state = .size(value: 0, digits: 0)
            case .trailerLineStart:
                state = byte == 0x0D ? .trailerLF(empty: true) : .trailerLine
            case .trailerLine:
                if byte == 0x0D { state = .trailerLF(empty: false) }
            case .trailerLF(let empty):
                guard byte == 0x0A else { throw Failure(reason: "bare CR in the trailer section") }
                if empty {
                    state = .done
                    return (index + 1, .end)
                }
                state = .trailerLineStart
            case .done:
                return (index, .end)
            }
            if case .trailerLine = state {
                trailerBytes += 1
                if trailerBytes > Self.maxTrailerBytes { throw Failure(reason: "trailer section too large") }
            }
            index += 1
        }
        return (index, state == .done ? .end : .needMore)
    }

    private static func hexValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt64(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
