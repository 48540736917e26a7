/// A response as a test client read it off the wire, with nothing normalized away.
package struct RawHTTPResponse: Sendable, CustomStringConvertible {
    /// How the body was delimited on the wire.
    package enum Framing: Sendable, Equatable {
        /// No body by definition (HEAD, 1xx, 204, 304).
        case none
        case contentLength(Int)
        case chunked
        /// Neither: the body ran until the server closed the connection.
        case untilClose
    }

    /// `HTTP/1.1` or `HTTP/1.0`.
    package var version: String
    package var status: Int
    package var reason: String
    /// Header fields in wire order, names as sent.
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]
    package var framing: Framing
    /// Data of each chunk, in order, when the body was chunked.
    package var chunks: [[UInt8]] = []
    /// Trailer fields after the last chunk.
    package var trailers: [(name: String, value: String)] = []
    /// The status line and header block exactly as received, including the final empty line.
    package var rawHead: [UInt8]

    /// The first value of `name`, compared case-insensitively.
    package subscript(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Every value of `name`.
    package func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// The body as UTF-8 text.
    package var text: String { String(decoding: body, as: UTF8.self) }

    /// Whether the server announced `Connection: close`.
    package var announcesClose: Bool {
        values("Connection").contains { value in
            value.split(separator: ",").contains { $0.trimmingCharacters(in: " \t").lowercased() == "close" }
        }
    }

    package var description: String {
        "\(version) \(status) \(reason) \(headers.map { "\($0.name): \($0.value)" }) body: \(body.count) bytes"
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var text = self
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return text
    }
}
