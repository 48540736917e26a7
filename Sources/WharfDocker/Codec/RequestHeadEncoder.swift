/// Serializes a request line and header section (RFC 9112 §3, §5), refusing header names that are
/// not tokens and values with CR, LF or NUL, so no value can inject a header or a request.
enum RequestHeadEncoder {
    static let userAgent = "Wharf"

    static func encode(
        _ request: DockerRequest, version: DockerAPIVersion?, host: String, extra: [(String, String)]
    ) throws(DockerError) -> [UInt8] {
        var text = "\(request.method) \(request.target(version: version)) HTTP/1.1\r\n"
        text += "Host: \(host)\r\nUser-Agent: \(userAgent)\r\n"
        var fields = extra
        for field in request.headers { fields.append((field.name, field.value)) }
        for (name, value) in fields {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else {
                throw .invalidRequest("invalid header name \"\(name)\"")
            }
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw .invalidRequest("header \(name) contains a line break")
            }
            text += "\(name): \(value)\r\n"
        }
        guard request.method.utf8.allSatisfy(isTokenByte), !request.method.isEmpty else {
            throw .invalidRequest("invalid method")
        }
        text += "\r\n"
        return Array(text.utf8)
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

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}
