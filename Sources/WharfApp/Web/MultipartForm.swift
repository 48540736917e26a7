import WharfHTTP
import WharfWire

/// Decodes a `multipart/form-data` body (RFC 7578) into name/value pairs: what a form with a file
/// input sends. File contents become the value (as UTF-8 text: the forms that take files take PEM).
///
/// The body is collected first (the route's limit bounds it), then split on the boundary.
/// `package` for the fuzz harness (`Tests/Fuzz`).
package enum MultipartForm {
    /// The `boundary` parameter of a `multipart/form-data` content type, quoted or not.
    package static func boundary(_ contentType: String) -> String? {
        guard let value = parameter("boundary", in: contentType), !value.isEmpty, value.count <= 70 else { return nil }
        return value
    }

    /// The value of parameter `name` (case-insensitive) in a header value `type; a=b; c="d"`.
    private static func parameter(_ name: String, in header: Substring) -> String? {
        for parameter in header.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingASCIISpaces().lowercased() == name else { continue }
            var value = pair[1].trimmingASCIISpaces()
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return String(value)
        }
        return nil
    }

    private static func parameter(_ name: String, in header: String) -> String? { parameter(name, in: Substring(header)) }

    /// The fields of `body`; nil when it is not well-formed multipart with this boundary.
    package static func pairs(_ body: [UInt8], boundary: String) -> [(name: String, value: String)]? {
        let delimiter = Array(("--" + boundary).utf8)
        let separator = Array("\r\n\r\n".utf8)
        guard var start = find(delimiter, in: body, from: 0) else { return nil }
        var pairs: [(name: String, value: String)] = []
        while true {
            var cursor = start + delimiter.count
            if body.count >= cursor + 2, body[cursor] == UInt8(ascii: "-"), body[cursor + 1] == UInt8(ascii: "-") { return pairs }
            guard body.count >= cursor + 2, body[cursor] == 13, body[cursor + 1] == 10 else { return nil }
            cursor += 2
            guard let headerEnd = find(separator, in: body, from: cursor),
                  // The value starts after the blank line; its delimiter cannot share that line's CRLF.
                  let next = find(Array("\r\n".utf8) + delimiter, in: body, from: headerEnd + separator.count) else { return nil }
            let headers = String(decoding: body[cursor..<headerEnd], as: UTF8.self)
            guard let name = fieldName(headers) else { return nil }
            pairs.append((name, String(decoding: body[(headerEnd + separator.count)..<next], as: UTF8.self)))
            start = next + 2
        }
    }

    /// `name` from the part's `Content-Disposition: form-data; name="…"` header.
    private static func fieldName(_ headers: String) -> String? {
        disposition(headers).flatMap { parameter("name", in: $0) }
    }

    private static func disposition(_ headers: String) -> Substring? {
        headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-disposition:") }
    }

    /// What the start of a multipart body says about its first part.
    package enum FirstPart: Equatable {
        /// More bytes are needed.
        case incomplete
        /// Not multipart with this boundary.
        case malformed
        /// The first part: its field name, whether it is a file, and its value.
        case field(name: String, isFile: Bool, value: [UInt8])
    }

    /// The first part of a body that starts with `bytes` (the start only: the rest may still be
    /// on its way), for reading a small leading field without collecting the body.
    package static func firstPart(_ bytes: [UInt8], boundary: String) -> FirstPart {
        let delimiter = Array(("--" + boundary).utf8)
        guard let start = find(delimiter, in: bytes, from: 0) else { return .incomplete }
        let cursor = start + delimiter.count
        guard bytes.count >= cursor + 2 else { return .incomplete }
        guard bytes[cursor] == 13, bytes[cursor + 1] == 10 else { return .malformed }
        guard let headerEnd = find(Array("\r\n\r\n".utf8), in: bytes, from: cursor + 2) else { return .incomplete }
        let headers = String(decoding: bytes[(cursor + 2)..<headerEnd], as: UTF8.self)
        guard let line = disposition(headers), let name = parameter("name", in: line) else { return .malformed }
        let isFile = parameter("filename", in: line) != nil
        guard let end = find(Array("\r\n".utf8) + delimiter, in: bytes, from: headerEnd + 4) else {
            return isFile ? .field(name: name, isFile: true, value: []) : .incomplete
        }
        return .field(name: name, isFile: isFile, value: Array(bytes[(headerEnd + 4)..<end]))
    }

    /// The first index of `needle` in `haystack` at or after `from`.
    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        var index = from
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
