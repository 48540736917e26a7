import WharfWire

/// Serializes a request line and header section (RFC 9112 §3, §5). Fields go through the shared
/// ``HTTPHeadEncoder``, which refuses names that are not tokens and values with CR, LF, NUL or
/// another control character, so no value can inject a header or a request; the method must be a
/// token and the target visible ASCII. `User-Agent` is Wharf's unless the request carries one.
enum RequestHeadEncoder {
    static let userAgent = "Wharf"

    static func encode(
        _ request: DockerRequest, version: DockerAPIVersion?, host: String, extra: [(String, String)]
    ) throws(DockerError) -> [UInt8] {
        guard !request.method.isEmpty, request.method.utf8.allSatisfy(\.isTokenCharacter) else {
            throw .invalidRequest("invalid method")
        }
        let target = request.target(version: version)
        guard !target.isEmpty, target.utf8.allSatisfy(\.isRequestTargetByte) else {
            throw .invalidRequest("invalid request target")
        }
        var head: [UInt8] = []
        head.reserveCapacity(256)
        head += request.method.utf8
        head.append(UInt8(ascii: " "))
        head += target.utf8
        head += " HTTP/1.1\r\n".utf8
        do {
            try HTTPHeadEncoder.appendField("Host", host, to: &head)
            // A pass-through forwards its client's own (`Docker-Client/20.10.24 (linux)`).
            if !request.headers.contains("User-Agent") {
                try HTTPHeadEncoder.appendField("User-Agent", userAgent, to: &head)
            }
            for (name, value) in extra { try HTTPHeadEncoder.appendField(name, value, to: &head) }
            try HTTPHeadEncoder.appendFields(request.headers, to: &head)
        } catch {
            throw .invalidRequest("header \(error.name) has a name or value that cannot be sent (a line break or control character)")
        }
        HTTPHeadEncoder.appendLineEnd(to: &head)
        return head
    }

    /// The framing headers for `body`.
    static func bodyFields(_ body: DockerRequestBody, method: String) -> [(String, String)] {
        switch body {
        case .empty:
            // A POST or PUT without a body still says so, or some proxies wait for one.
            return method == "POST" || method == "PUT" ? [("Content-Length", "0")] : []
        case .bytes(let bytes, let type):
            return [("Content-Type", type), ("Content-Length", String(bytes.count))]
        case .stream(_, let type, let length?):
            return [("Content-Type", type), ("Content-Length", String(length))]
        case .stream(_, let type, nil):
            return [("Content-Type", type), ("Transfer-Encoding", "chunked")]
        }
    }
}
