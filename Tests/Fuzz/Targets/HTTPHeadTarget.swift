import WharfHTTP
import WharfWire

/// The server's request head parser (`HTTPHeadParser`, with the shared `HTTPFieldParser`).
///
/// Asserts, under the default limits and under small ones (so the limit paths are reached):
/// the head or error is the same whether the input comes whole, byte by byte or cut at random
/// points (the parser is fed everything received so far, as the connection does); a parsed head
/// never claims more bytes than given, has at most the allowed field lines, an origin-form target
/// (or `*`), field names that are tokens and values without control characters or surrounding
/// whitespace, and framing consistent with its headers.
enum HTTPHeadTarget {
    static let target = FuzzTarget(
        name: "http-head",
        summary: "request head: whole = byte-by-byte = random splits; limits, target form, field syntax, framing",
        run: run)

    enum Outcome: Equatable {
        case head(String)
        case error(HTTPParseError)
        case incomplete
    }

    static func run(_ input: [UInt8]) {
        var small = HTTPLimits()
        small.maxRequestLineBytes = 64
        small.maxHeaderBytes = 256
        small.maxHeaderCount = 8
        for limits in [HTTPLimits(), small] {
            let whole = parse(input, plan: [input.count], limits: limits)
            for plan in FuzzCheck.splitPlans(count: input.count, seed: input) {
                let split = parse(input, plan: plan, limits: limits)
                FuzzCheck.require(split == whole, "split \(plan.prefix(20)) gave \(split), whole input gave \(whole)")
            }
        }
    }

    /// Feeds the parser the first `end` bytes for each end in `plan`, as the connection does.
    static func parse(_ input: [UInt8], plan: [Int], limits: HTTPLimits) -> Outcome {
        var parser = HTTPHeadParser(limits: limits)
        for end in plan {
            do {
                let result = try input.withUnsafeBytes { raw throws(HTTPParseError) in
                    try parser.parse(UnsafeRawBufferPointer(rebasing: raw[0..<end]))
                }
                if let (head, consumed) = result {
                    check(head, consumed: consumed, available: end, limits: limits)
                    return .head(describe(head, consumed: consumed))
                }
            } catch {
                return .error(error as? HTTPParseError ?? .malformed("unexpected \(error)"))
            }
        }
        return .incomplete
    }

    static func check(_ head: HTTPRequestHead, consumed: Int, available: Int, limits: HTTPLimits) {
        FuzzCheck.require(consumed > 0 && consumed <= available, "consumed \(consumed) of \(available)")
        FuzzCheck.require(head.headers.count <= limits.maxHeaderCount, "\(head.headers.count) header fields")
        FuzzCheck.require(head.target.hasPrefix("/") || (head.target == "*" && head.method == .options), "target \(head.target)")
        FuzzCheck.require(!head.path.contains("?"), "path \(head.path) holds the query")
        FuzzCheck.require(head.minorVersion == 0 || head.minorVersion == 1, "version 1.\(head.minorVersion)")
        for (name, value) in head.headers {
            FuzzCheck.require(!name.isEmpty && name.utf8.allSatisfy(\.isTokenCharacter), "field name \(Array(name.utf8))")
            FuzzCheck.require(value.utf8.allSatisfy(\.isFieldValueByte), "control character in value \(Array(value.utf8))")
            let first = value.utf8.first, last = value.utf8.last
            FuzzCheck.require(first != 0x20 && first != 0x09 && last != 0x20 && last != 0x09, "untrimmed value \(value)")
        }
        switch head.framing {
        case .length(let length):
            FuzzCheck.require(length > 0 && !head.headers.contains("Transfer-Encoding"), "length \(length) framing")
        case .chunked:
            FuzzCheck.require(head.minorVersion == 1 && !head.headers.contains("Content-Length"), "chunked framing")
        case .none:
            FuzzCheck.require(!head.headers.contains("Transfer-Encoding"), "Transfer-Encoding without framing")
        }
        if head.minorVersion == 1 {
            FuzzCheck.require(head.headers.values("Host").count == 1, "HTTP/1.1 without exactly one Host")
        }
        if head.expectsContinue { FuzzCheck.require(head.framing != .none, "100-continue without a body") }
    }

    static func describe(_ head: HTTPRequestHead, consumed: Int) -> String {
        let fields = head.headers.map { "\($0.name): \($0.value)" }.joined(separator: "|")
        return "\(head.method.rawValue) \(head.target) 1.\(head.minorVersion) [\(fields)] \(head.framing) "
            + "keepAlive=\(head.keepAlive) continue=\(head.expectsContinue) consumed=\(consumed)"
    }
}
