/// An incremental parser for an HTTP/1.1 status line and header section (RFC 9112 §4, §5).
///
/// Feed it all bytes received for the current response, as often as more arrive; it remembers how
/// far it scanned, so each byte is looked at a bounded number of times however the input is split.
/// The head is limited in size and field count, so a peer that is not an engine cannot make the
/// client buffer without end.
struct ResponseHeadParser {
    struct Failure: Error, Equatable, CustomStringConvertible {
        let reason: String
        init(_ reason: String) { self.reason = reason }
        var description: String { reason }
    }

    static let maxHeadBytes = 64 * 1024
    static let maxFields = 128

    private var scanned = 0
    /// Whether the previous line scanned was empty-so-far ("at line start").
    private var lineStart = 0

    /// Parses as much as `bytes` allows.
    /// - Returns: the head and how many bytes it took, or nil when more input is needed.
    mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> (head: DockerResponseHead, consumed: Int)? {
        var index = scanned
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") {
                let lineLength = index - lineStart
                let isEmpty = lineLength == 0 || (lineLength == 1 && bytes[lineStart] == UInt8(ascii: "\r"))
                if isEmpty && lineStart > 0 {
                    let head = try Self.build(bytes, end: lineStart)
                    return (head, index + 1)
                }
                if isEmpty { throw Failure("empty line before the status line") }
                lineStart = index + 1
            }
            index += 1
            if index > Self.maxHeadBytes { throw Failure("response head larger than \(Self.maxHeadBytes) bytes") }
        }
        scanned = index
        return nil
    }

    /// Splits the head (everything before the empty line) into the status line and fields.
    private static func build(_ bytes: UnsafeRawBufferPointer, end: Int) throws(Failure) -> DockerResponseHead {
        // Split on LF bytes: in Swift, "\r\n" is one Character, so a String split on "\n" would miss it.
        var lines: [Substring] = []
        var lineStart = 0
        for index in 0..<end where bytes[index] == UInt8(ascii: "\n") {
            var lineEnd = index
            if lineEnd > lineStart, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            lines.append(Substring(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd]), as: UTF8.self)))
            lineStart = index + 1
        }
        guard let statusLine = lines.first else { throw Failure("missing status line") }
        var head = try parseStatusLine(statusLine)
        guard lines.count - 1 <= maxFields else { throw Failure("more than \(maxFields) header fields") }
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw Failure("header line without a colon") }
            let name = line[..<colon]
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else { throw Failure("invalid header name") }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
            guard value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw Failure("control character in header \(name)")
            }
            head.headers.add(String(name), String(value))
        }
        return head
    }

    /// `HTTP/1.1 200 OK`: version, three-digit status, optional reason.
    private static func parseStatusLine(_ line: Substring) throws(Failure) -> DockerResponseHead {
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else {
            throw Failure("not an HTTP/1.x status line")
        }
        guard parts[0].count == 8, let minor = Int(parts[0].dropFirst(7)) else { throw Failure("bad HTTP version") }
        guard parts[1].count == 3, parts[1].allSatisfy(\.isASCII), let status = Int(parts[1]), status >= 100 else {
            throw Failure("bad status code")
        }
        return DockerResponseHead(status: status, reason: parts.count > 2 ? String(parts[2]) : "", minorVersion: minor)
    }

    /// RFC 9110 §5.6.2 tchar.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}
