package import WharfWire

/// The status line and header fields of a response.
package struct DockerResponseHead: Sendable {
    package var status: Int
    package var reason: String
    /// The minor HTTP version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    package var minorVersion: Int
    package var headers: HTTPHeaders

    package init(status: Int, reason: String = "", minorVersion: Int = 1, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.reason = reason
        self.minorVersion = minorVersion
        self.headers = headers
    }

    /// Whether the connection may carry another request after this response (RFC 9112 §9.3).
    package var keepsAlive: Bool {
        if headers.hasToken("close", in: "Connection") { return false }
        return minorVersion >= 1 || headers.hasToken("keep-alive", in: "Connection")
    }

    /// How the body is delimited (RFC 9112 §6.3).
    /// - Throws: a reason string for a malformed `Content-Length`.
    package func framing(requestMethod: String) throws(ResponseHeadParser.Failure) -> BodyFraming {
        if requestMethod == "HEAD" || (100..<200).contains(status) || status == 204 || status == 304 {
            return .empty
        }
        let codings = headers.tokens("Transfer-Encoding")
        if !codings.isEmpty {
            // Only chunked as the final coding delimits the body; anything else runs until close.
            return codings.last == "chunked" ? .chunked : .untilClose
        }
        let lengths = headers.values("Content-Length").flatMap { $0.split(separator: ",") }.map {
            $0.trimmingCharacters(in: " \t")
        }
        guard let first = lengths.first else { return .untilClose }
        // 1*DIGIT (RFC 9110 §8.6): UInt64("+5") alone would take a sign.
        guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let length = UInt64(first) else {
            throw .init("invalid Content-Length")
        }
        return .length(length)
    }
}

/// How a response body ends.
package enum BodyFraming: Equatable {
    case empty
    case length(UInt64)
    case chunked
    case untilClose
}
