/// Parses the field lines of a header section (RFC 9112 §5), for request heads on the server and
/// response heads in the Docker client.
///
/// Strict: obsolete line folding, whitespace between a name and its colon, an empty name, a name
/// that is not a token, a line without a colon and control characters in a value are all refused
/// (§5.1, §5.2; RFC 9110 §5.5). Leading and trailing whitespace of a value is removed.
package enum HTTPFieldParser {
    /// Parses the lines in `bytes[from..<end]`, where `end` is the offset of the empty line that
    /// ends the section. Every line in that range ends with LF (the caller's scan found them).
    /// - Parameter bareLF: whether a line may end with LF alone. RFC 9112 §2.2 lets a recipient
    ///   accept that; the server does not (its scan refuses bare LF: a proxy in front could
    ///   split the request differently), the Docker client does (it talks to one engine).
    package static func parse(
        _ bytes: UnsafeRawBufferPointer, from: Int, to end: Int, bareLF: Bool = false
    ) throws(WireError) -> HTTPHeaders {
        var headers = HTTPHeaders()
        var lineStart = from
        while lineStart < end {
            var lineEnd = lineStart
            while bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var contentEnd = lineEnd  // before the line end: the CR, or the LF itself
            if lineEnd > lineStart, bytes[lineEnd - 1] == UInt8(ascii: "\r") {
                contentEnd = lineEnd - 1
            } else if !bareLF {
                throw .malformed("bare LF in the header block")
            }
            let first = bytes[lineStart]
            if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
                throw .malformed("obsolete line folding in a header field")  // RFC 9112 §5.2
            }
            var colon = lineStart
            while colon < contentEnd, bytes[colon] != UInt8(ascii: ":") {
                guard bytes[colon].isTokenCharacter else {
                    if bytes[colon] == UInt8(ascii: " ") || bytes[colon] == UInt8(ascii: "\t") {
                        throw .malformed("whitespace between a header name and its colon")  // RFC 9112 §5.1
                    }
                    throw .malformed("invalid character in a header name")
                }
                colon += 1
            }
            guard colon < contentEnd else { throw .malformed("header field without a colon") }
            guard colon > lineStart else { throw .malformed("empty header name") }
            var valueStart = colon + 1
            var valueEnd = contentEnd
            while valueStart < valueEnd, bytes[valueStart] == UInt8(ascii: " ") || bytes[valueStart] == UInt8(ascii: "\t") {
                valueStart += 1
            }
            while valueEnd > valueStart, bytes[valueEnd - 1] == UInt8(ascii: " ") || bytes[valueEnd - 1] == UInt8(ascii: "\t") {
                valueEnd -= 1
            }
            for index in valueStart..<valueEnd where !bytes[index].isFieldValueByte {
                throw .malformed("control character in a header value")
            }
            headers.add(string(bytes, lineStart, colon), string(bytes, valueStart, valueEnd))
            lineStart = lineEnd + 1
        }
        return headers
    }

    private static func string(_ bytes: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
    }
}
