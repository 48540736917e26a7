import WharfWire

/// An incremental parser for the request line and header block of an HTTP/1.1 request (RFC 9112).
///
/// Feed it the bytes received so far for the current request, as often as more arrive; it returns
/// nil until the head is complete and remembers how far it has scanned, so each byte is examined a
/// bounded number of times whatever way the input is split. Limits are checked while scanning:
/// a request line longer than the limit fails before its end arrives.
package struct HTTPHeadParser {
    /// The three limits it checks, not all of ``HTTPLimits``: every connection holds a parser,
    /// parked ones too, and the whole value is over 150 bytes.
    private let limits: (maxRequestLineBytes: Int, maxHeaderBytes: Int, maxHeaderCount: Int)
    /// Offset of the request line, after any empty lines before it (RFC 9112 §2.2).
    private var start = 0
    /// Offset of the LF ending the request line, once seen.
    private var lineEnd: Int?
    /// Offset where the current (incomplete) field line starts.
    private var fieldLineStart = 0
    /// Offset up to which bytes were examined.
    private var scanned = 0
    private var fieldLines = 0

    package init(limits: HTTPLimits) {
        self.limits = (limits.maxRequestLineBytes, limits.maxHeaderBytes, limits.maxHeaderCount)
    }

    /// Forgets the current request, for the next one on the connection.
    package mutating func reset() {
        start = 0
        lineEnd = nil
        fieldLineStart = 0
        scanned = 0
        fieldLines = 0
    }

    /// Whether any byte of a request has been seen (ignoring empty lines before it).
    package func hasStarted(_ available: Int) -> Bool { available > start }

    /// Parses as much as `bytes` allows.
    /// - Returns: the head and the bytes it took, or nil when more input is needed.
    /// - Throws: ``HTTPParseError`` at the first byte that makes the request invalid.
    package mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> (head: HTTPRequestHead, consumed: Int)? {
        if lineEnd == nil {
            guard let end = try scanRequestLine(bytes) else { return nil }
            lineEnd = end
            fieldLineStart = end + 1
            scanned = end + 1
        }
        guard let lineEnd, let headEnd = try scanFieldLines(bytes, after: lineEnd) else { return nil }
        var head = try parseRequestLine(bytes, from: start, to: lineEnd - 1)
        do {
            head.headers = try HTTPFieldParser.parse(bytes, from: lineEnd + 1, to: headEnd - 1)
        } catch {
            throw HTTPParseError(error)
        }
        try applyFraming(&head)
        return (head, headEnd + 1)
    }

    // MARK: Scanning

    /// Finds the LF that ends the request line, checking the method's bytes early so garbage and
    /// TLS handshakes fail at once instead of after 8 KiB.
    private mutating func scanRequestLine(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> Int? {
        while start + 1 < bytes.count, bytes[start] == UInt8(ascii: "\r"), bytes[start + 1] == UInt8(ascii: "\n") {
            start += 2
            if start > 16 { throw .malformed("too many empty lines before the request line") }
        }
        if start < bytes.count, bytes[start] == UInt8(ascii: "\n") { throw .malformed("bare LF") }
        // A CR that ends the input may begin one more empty line: decide when its LF arrives.
        if start + 1 == bytes.count, bytes[start] == UInt8(ascii: "\r") { return nil }
        scanned = max(scanned, start)

        var index = start
        while index < bytes.count, index - start < 32 {
            let byte = bytes[index]
            if byte == UInt8(ascii: " ") { break }
            guard byte.isTokenCharacter else { throw .malformed("not an HTTP request") }
            index += 1
        }
        if index - start >= 32 { throw .malformed("method too long") }

        while scanned < bytes.count {
            if bytes[scanned] == UInt8(ascii: "\n") {
                let end = scanned
                let endsWithCR = end > start && bytes[end - 1] == UInt8(ascii: "\r")
                // The limit first, as while the line arrives (below): the answer must not depend
                // on how the bytes were split (an over-long line ending in a bare LF is 414 either way).
                if end - start - (endsWithCR ? 1 : 0) > limits.maxRequestLineBytes { throw .requestLineTooLong }
                guard endsWithCR else { throw .malformed("bare LF in the request line") }
                return end
            }
            scanned += 1
        }
        // A CR that ends the input may be the one ending the line: it is not part of the line.
        let length = scanned - start - (scanned > start && bytes[scanned - 1] == UInt8(ascii: "\r") ? 1 : 0)
        if length > limits.maxRequestLineBytes { throw .requestLineTooLong }
        return nil
    }

    /// Finds the empty line that ends the header block; returns the offset of its LF.
    private mutating func scanFieldLines(_ bytes: UnsafeRawBufferPointer, after lineEnd: Int) throws(HTTPParseError) -> Int? {
        while scanned < bytes.count {
            let byte = bytes[scanned]
            if byte == UInt8(ascii: "\n") {
                guard scanned > fieldLineStart, bytes[scanned - 1] == UInt8(ascii: "\r") else {
                    throw .malformed("bare LF in the header block")
                }
                if scanned - 1 == fieldLineStart { return scanned }
                fieldLines += 1
                if fieldLines > limits.maxHeaderCount { throw .tooManyHeaders }
                fieldLineStart = scanned + 1
            }
            scanned += 1
            if scanned - (lineEnd + 1) > limits.maxHeaderBytes { throw .headersTooLarge }
        }
        return nil
    }

    // MARK: Request line

    private func parseRequestLine(_ bytes: UnsafeRawBufferPointer, from: Int, to end: Int) throws(HTTPParseError) -> HTTPRequestHead {
        // method SP request-target SP HTTP-version (RFC 9112 §3)
        var index = from
        while index < end, bytes[index] != UInt8(ascii: " ") { index += 1 }
        let methodEnd = index
        guard methodEnd > from, methodEnd < end else { throw .malformed("incomplete request line") }
        let targetStart = methodEnd + 1
        index = targetStart
        while index < end, bytes[index] != UInt8(ascii: " ") {
            guard bytes[index].isRequestTargetByte else { throw .malformed("invalid character in the request target") }
            index += 1
        }
        let targetEnd = index
        guard targetEnd > targetStart, targetEnd < end else { throw .malformed("incomplete request line") }
        let versionStart = targetEnd + 1
        guard end - versionStart == 8 else { throw .malformed("invalid HTTP version") }
        let prefix: [UInt8] = Array("HTTP/".utf8)
        for offset in 0..<5 where bytes[versionStart + offset] != prefix[offset] {
            throw .malformed("invalid HTTP version")
        }
        let major = bytes[versionStart + 5], dot = bytes[versionStart + 6], minor = bytes[versionStart + 7]
        guard (0x30...0x39).contains(major), dot == UInt8(ascii: "."), (0x30...0x39).contains(minor) else {
            throw .malformed("invalid HTTP version")
        }

        let method = string(bytes, from, methodEnd)
        let target = string(bytes, targetStart, targetEnd)
        if method == "PRI" && target == "*" && major == UInt8(ascii: "2") { throw .http2Preface }
        guard major == UInt8(ascii: "1") else { throw .unsupportedVersion }
        let httpMethod = HTTPMethod(method)
        guard HTTPMethod.implemented.contains(httpMethod) else { throw .unknownMethod(method) }

        // request-target forms (RFC 9112 §3.2): origin-form, absolute-form, asterisk-form for OPTIONS.
        let originForm: String
        if target.utf8.first == UInt8(ascii: "/") || (target == "*" && httpMethod == .options) {
            originForm = target
        } else if let colon = target.firstIndex(of: ":"), target[..<colon].allSatisfy(\.isLetter),
                  target[colon...].hasPrefix("://") {
            // absolute-form: keep the path and query, drop scheme and authority.
            let rest = target[target.index(colon, offsetBy: 3)...]
            if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                originForm = rest[slash] == "/" ? String(rest[slash...]) : "/" + rest[slash...]
            } else {
                originForm = "/"
            }
        } else {
            throw .malformed("invalid request target")
        }
        return HTTPRequestHead(method: httpMethod, target: originForm, minorVersion: minor == UInt8(ascii: "0") ? 0 : 1)
    }

    // MARK: Semantics

    /// Message framing, persistence and expectations (RFC 9112 §6.3, §9.3; RFC 9110 §10.1.1).
    private func applyFraming(_ head: inout HTTPRequestHead) throws(HTTPParseError) {
        let headers = head.headers
        // One pass for the fields framing depends on; most requests have none but Host.
        var hosts = 0
        var lengths: [String] = []
        var codings: [String] = []
        for (name, value) in headers {
            if name.equalsIgnoringASCIICase("Host") {
                hosts += 1
            } else if name.equalsIgnoringASCIICase("Content-Length") {
                lengths.append(value)
            } else if name.equalsIgnoringASCIICase("Transfer-Encoding") {
                codings.append(value)
            }
        }
        if hosts > 1 || (head.minorVersion >= 1 && hosts == 0) { throw .invalidHost }

        var contentLength: Int?
        for value in lengths {
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                let digits = part.trimmingASCIISpaces()
                guard !digits.isEmpty, digits.utf8.count <= 18, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                      let length = Int(digits) else { throw .invalidContentLength }
                if let previous = contentLength, previous != length { throw .conflictingContentLength }
                contentLength = length
            }
        }
        if !codings.isEmpty {
            if contentLength != nil { throw .conflictingFraming }
            let list = codings.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            guard head.minorVersion >= 1, list.count == 1, list[0].trimmingASCIISpaces().equalsIgnoringASCIICase("chunked") else {
                throw .unsupportedTransferCoding
            }
            head.framing = .chunked
        } else if let contentLength, contentLength > 0 {
            head.framing = .length(contentLength)
        }

        if head.minorVersion >= 1 {
            head.keepAlive = !headers.hasToken("close", in: "Connection")
        } else {
            head.keepAlive = headers.hasToken("keep-alive", in: "Connection") && !headers.hasToken("close", in: "Connection")
        }

        if let expect = headers["Expect"] {
            guard expect.trimmingASCIISpaces().equalsIgnoringASCIICase("100-continue") else { throw .unsupportedExpectation }
            head.expectsContinue = head.minorVersion >= 1 && head.framing != .none
        }
    }

    private func string(_ bytes: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
    }
}
