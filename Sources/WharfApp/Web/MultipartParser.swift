import Glibc
import WharfHTTP
import WharfWire

/// An incremental `multipart/form-data` parser (RFC 7578; framing from RFC 2046 §5.1): bytes go in
/// as they arrive, in chunks of any size, and come out as events: a part's head, its content in
/// pieces, its end, the end of the body. Nothing is collected but a header block (16 KiB at
/// most) and the few bytes that might be the start of a boundary, so a file part of any size
/// streams through. ``MultipartReader`` drives it from a request body.
struct MultipartParser: Sendable {
    /// A part's `Content-Disposition` name and filename, and its `Content-Type`.
    struct PartHead: Sendable, Equatable {
        var name: String
        var filename: String?
        var contentType: String?
    }

    enum Event: Sendable, Equatable {
        case part(PartHead)
        case data([UInt8])
        case partEnd
        case end
    }

    enum Failure: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case truncated

        var description: String {
            switch self {
            case .malformed(let reason): "The form upload is malformed (\(reason)); send it again from its page."
            case .truncated: "The form upload ended before its closing boundary: it was cut off."
            }
        }
    }

    private enum State: Sendable { case preamble, afterDelimiter, headers, body, end }

    static let maxHeaderBytes = 16 * 1024

    /// `CRLF--boundary`: what ends a part's content (the first boundary is matched as if the body
    /// started with a CRLF).
    private let delimiter: [UInt8]
    private var buffer: [UInt8] = [0x0D, 0x0A]
    private var state = State.preamble
    private var inPart = false

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    var isComplete: Bool {
        if case .end = state { return true }
        return false
    }

    /// Parses `chunk`, returning what it completes. - Throws: ``Failure`` for a malformed body.
    mutating func feed(_ chunk: [UInt8]) throws(Failure) -> [Event] {
        if case .end = state { return [] }  // the epilogue is ignored
        // Inside a part's content with nothing held back, a chunk that holds no delimiter and
        // does not end with the start of one is content as it is: handed on without a copy.
        if case .body = state, buffer.isEmpty {
            let plain = chunk.withUnsafeBytes { bytes in
                Self.find(delimiter, in: bytes, from: 0) == nil && Self.heldBack(bytes, delimiter: delimiter) == 0
            }
            if plain { return chunk.isEmpty ? [] : [.data(chunk)] }
        }
        buffer.append(contentsOf: chunk)
        var events: [Event] = []
        var consumed = 0
        defer { if consumed > 0 { buffer.removeFirst(consumed) } }
        while true {
            switch state {
            case .end:
                consumed = buffer.count
                return events
            case .preamble:
                if let index = find(delimiter, from: consumed) {
                    consumed = index + delimiter.count
                    state = .afterDelimiter
                } else {
                    consumed = max(consumed, buffer.count - (delimiter.count - 1))
                    return events
                }
            case .afterDelimiter:
                let rest = buffer[consumed...]
                guard rest.count >= 2 else { return events }
                if rest.first == UInt8(ascii: "-"), rest.dropFirst().first == UInt8(ascii: "-") {
                    if inPart { events.append(.partEnd) }
                    inPart = false
                    events.append(.end)
                    state = .end
                    continue
                }
                // Transport padding (spaces, tabs) may precede the line break.
                let padding = rest.prefix { $0 == 0x20 || $0 == 0x09 }
                guard padding.count < 64 else { throw .malformed("boundary line too long") }
                let afterPadding = rest.dropFirst(padding.count)
                guard afterPadding.count >= 2 else { return events }
                guard afterPadding.first == 0x0D, afterPadding.dropFirst().first == 0x0A else {
                    throw .malformed("a boundary is not followed by a line break")
                }
                consumed += padding.count + 2
                if inPart { events.append(.partEnd) }
                inPart = false
                state = .headers
            case .headers:
                let terminator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
                let headerStart = consumed
                let headerEnd: Int
                if buffer.count - consumed >= 2, buffer[consumed] == 0x0D, buffer[consumed + 1] == 0x0A {
                    headerEnd = consumed  // a part without header lines
                    consumed += 2
                } else if let index = find(terminator, from: consumed) {
                    headerEnd = index
                    consumed = index + 4
                } else {
                    guard buffer.count - consumed <= Self.maxHeaderBytes else { throw .malformed("part headers over 16 KiB") }
                    return events
                }
                let head = try Self.head(buffer[headerStart..<headerEnd])
                events.append(.part(head))
                inPart = true
                state = .body
            case .body:
                if let index = find(delimiter, from: consumed) {
                    if index > consumed { events.append(.data(Array(buffer[consumed..<index]))) }
                    consumed = index + delimiter.count
                    state = .afterDelimiter
                } else {
                    // Keep what could be the start of a delimiter; the rest is content.
                    let held = buffer.withUnsafeBytes { bytes in
                        Self.heldBack(UnsafeRawBufferPointer(rebasing: bytes[consumed...]), delimiter: delimiter)
                    }
                    let safe = buffer.count - held
                    if safe > consumed {
                        events.append(.data(Array(buffer[consumed..<safe])))
                        consumed = safe
                    }
                    return events
                }
            }
        }
    }

    /// Called when the body ends. - Throws: ``Failure/truncated`` before the closing boundary.
    func finish() throws(Failure) {
        guard isComplete else { throw .truncated }
    }

    /// The first index of `needle` in `buffer` at or after `from`.
    private func find(_ needle: [UInt8], from: Int) -> Int? {
        buffer.withUnsafeBytes { Self.find(needle, in: $0, from: from) }
    }

    /// The first index of `needle` in `haystack` at or after `from`: `memchr` finds each candidate
    /// first byte (rare in binary content: a delimiter starts with CR), `memcmp` checks the rest.
    private static func find(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer, from: Int) -> Int? {
        let last = haystack.count - needle.count
        guard last >= from, let first = needle.first, let base = haystack.baseAddress else { return nil }
        return needle.withUnsafeBytes { needle -> Int? in
            guard let pattern = needle.baseAddress else { return nil }
            var position = from
            while position <= last {
                guard let hit = memchr(base + position, Int32(first), last - position + 1) else { return nil }
                let index = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + index, pattern, needle.count) == 0 { return index }
                position = index + 1
            }
            return nil
        }
    }

    /// How many bytes at the end of `bytes` could be the start of `delimiter` (the longest end,
    /// shorter than the delimiter, that is one of its beginnings): what must wait for the next
    /// chunk. Usually none: the delimiter starts with CR.
    private static func heldBack(_ bytes: UnsafeRawBufferPointer, delimiter: [UInt8]) -> Int {
        guard let first = delimiter.first, let base = bytes.baseAddress else { return 0 }
        return delimiter.withUnsafeBytes { pattern -> Int in
            guard let prefix = pattern.baseAddress else { return 0 }
            var length = min(delimiter.count - 1, bytes.count)
            while length > 0 {
                let start = bytes.count - length
                if bytes[start] == first, memcmp(base + start, prefix, length) == 0 { return length }
                length -= 1
            }
            return 0
        }
    }

    /// The part's head from its header lines. - Throws: when there is no form-data name.
    static func head(_ bytes: ArraySlice<UInt8>) throws(Failure) -> PartHead {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("a part header has no colon") }
            let field = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingASCIISpaces()
            if field == "content-disposition" {
                name = parameter("name", in: value)
                filename = parameter("filename", in: value)
            } else if field == "content-type" {
                contentType = String(value)
            }
        }
        guard let name else { throw .malformed("a part has no form-data name") }
        return PartHead(name: name, filename: filename, contentType: contentType)
    }

    /// Parameter `name` of a header value `form-data; name="a"; filename="b.tar"`: quoted (with
    /// `\"` escapes, as browsers write a quote in a file name) or a bare token.
    static func parameter(_ name: String, in value: Substring) -> String? {
        var rest = value.drop { $0 != ";" }
        while rest.first == ";" {
            rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
            let key = rest.prefix { $0 != "=" && $0 != ";" }
            rest = rest.dropFirst(key.count)
            var parsed = ""
            if rest.first == "=" {
                rest = rest.dropFirst()
                if rest.first == "\"" {
                    rest = rest.dropFirst()
                    var escaped = false
                    while let character = rest.first {
                        rest = rest.dropFirst()
                        if escaped { parsed.append(character); escaped = false; continue }
                        if character == "\\" { escaped = true; continue }
                        if character == "\"" { break }
                        parsed.append(character)
                    }
                    rest = rest.drop { $0 != ";" }
                } else {
                    let token = rest.prefix { $0 != ";" }
                    parsed = String(token.trimmingASCIISpaces())
                    rest = rest.dropFirst(token.count)
                }
            }
            if key.trimmingASCIISpaces().lowercased() == name { return parsed }
        }
        return nil
    }
}
