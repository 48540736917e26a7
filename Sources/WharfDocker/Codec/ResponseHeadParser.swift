import WharfWire

/// An incremental parser for an HTTP/1.1 status line and header section (RFC 9112 §4, §5).
///
/// Feed it all bytes received for the current response, as often as more arrive; it remembers how
/// far it scanned, so each byte is looked at a bounded number of times however the input is split.
/// The head is limited in size and field count, so a peer that is not an engine cannot make the
/// client buffer without end. Field lines go through the shared ``HTTPFieldParser`` (the same
/// strict rules as the server's); lines may end with a bare LF, which RFC 9112 §2.2 allows a
/// recipient to accept. (`package` for the fuzz harness, `Tests/Fuzz`.)
package struct ResponseHeadParser {
    package struct Failure: Error, Equatable, CustomStringConvertible {
        package let reason: String
        init(_ reason: String) { self.reason = reason }
        package var description: String { reason }
    }

    package static let maxHeadBytes = 64 * 1024
    package static let maxFields = 128

    private var scanned = 0
    /// Where the line being scanned starts.
    private var lineStart = 0
    /// Where the status line ends (after its LF), once seen.
    private var statusEnd: Int?
    private var fieldLines = 0

    package init() {}

    /// Parses as much as `bytes` allows.
    /// - Returns: the head and how many bytes it took, or nil when more input is needed.
    package mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> (head: DockerResponseHead, consumed: Int)? {
        var index = scanned
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") {
                let lineLength = index - lineStart
                let isEmpty = lineLength == 0 || (lineLength == 1 && bytes[lineStart] == UInt8(ascii: "\r"))
                if isEmpty {
                    guard let statusEnd else { throw Failure("empty line before the status line") }
                    return (try Self.build(bytes, statusEnd: statusEnd, fieldsEnd: lineStart), index + 1)
                }
                if statusEnd == nil {
                    statusEnd = index + 1
                } else {
                    fieldLines += 1
                    if fieldLines > Self.maxFields { throw Failure("more than \(Self.maxFields) header fields") }
                }
                lineStart = index + 1
            }
            index += 1
            if index > Self.maxHeadBytes { throw Failure("response head larger than \(Self.maxHeadBytes) bytes") }
        }
        scanned = index
        return nil
    }

    /// The status line (before `statusEnd`) and the field lines (up to the empty line at `fieldsEnd`).
    private static func build(_ bytes: UnsafeRawBufferPointer, statusEnd: Int, fieldsEnd: Int) throws(Failure) -> DockerResponseHead {
        var lineEnd = statusEnd - 1
        if lineEnd > 0, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
        let statusLine = Substring(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<lineEnd]), as: UTF8.self))
        var head = try parseStatusLine(statusLine)
        do {
            head.headers = try HTTPFieldParser.parse(bytes, from: statusEnd, to: fieldsEnd, bareLF: true)
        } catch {
            throw Failure(error.description)
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
        let reason = parts.count > 2 ? parts[2] : ""
        guard reason.utf8.allSatisfy(\.isFieldValueByte) else { throw Failure("control character in the reason phrase") }
        return DockerResponseHead(status: status, reason: String(reason), minorVersion: minor)
    }
}
