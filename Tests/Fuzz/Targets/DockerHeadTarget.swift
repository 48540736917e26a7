import WharfDocker
import WharfWire

/// The Docker client's response head parser (`ResponseHeadParser`) and body framing
/// (`DockerResponseHead.framing`).
///
/// Asserts: the head or error is the same whether the input comes whole, byte by byte or cut
/// at random points; a head never claims more bytes than given, has at most the allowed fields,
/// a status of three digits (100–999), a reason and field values without control characters;
/// a body length comes only from `Content-Length` values that are all digits and all equal
/// (RFC 9110 §8.6), and `HEAD`, 1xx, 204 and 304 answers have no body.
enum DockerHeadTarget {
    static let target = FuzzTarget(
        name: "docker-head",
        summary: "engine response head: whole = byte-by-byte = random splits; status, fields, Content-Length strictly 1*DIGIT",
        run: run)

    enum Outcome: Equatable {
        case head(String)
        case error(String)
        case incomplete
    }

    static func run(_ input: [UInt8]) {
        let whole = parse(input, plan: [input.count])
        for plan in FuzzCheck.splitPlans(count: input.count, seed: input) {
            let split = parse(input, plan: plan)
            FuzzCheck.require(split == whole, "split \(plan.prefix(20)) gave \(split), whole input gave \(whole)")
        }
    }

    static func parse(_ input: [UInt8], plan: [Int]) -> Outcome {
        var parser = ResponseHeadParser()
        for end in plan {
            do {
                let result = try input.withUnsafeBytes { raw throws(ResponseHeadParser.Failure) in
                    try parser.parse(UnsafeRawBufferPointer(rebasing: raw[0..<end]))
                }
                if let (head, consumed) = result {
                    FuzzCheck.require(consumed > 0 && consumed <= end, "consumed \(consumed) of \(end)")
                    return .head(check(head) + " consumed=\(consumed)")
                }
            } catch {
                return .error((error as? ResponseHeadParser.Failure)?.reason ?? "unexpected \(error)")
            }
        }
        return .incomplete
    }

    /// Checks a parsed head and describes it for comparison.
    static func check(_ head: DockerResponseHead) -> String {
        FuzzCheck.require((100...999).contains(head.status), "status \(head.status)")
        FuzzCheck.require(head.minorVersion >= 0 && head.minorVersion <= 9, "version 1.\(head.minorVersion)")
        FuzzCheck.require(head.reason.utf8.allSatisfy(\.isFieldValueByte), "reason \(Array(head.reason.utf8))")
        FuzzCheck.require(head.headers.count <= ResponseHeadParser.maxFields, "\(head.headers.count) fields")
        for (name, value) in head.headers {
            FuzzCheck.require(!name.isEmpty && name.utf8.allSatisfy(\.isTokenCharacter), "field name \(Array(name.utf8))")
            FuzzCheck.require(value.utf8.allSatisfy(\.isFieldValueByte), "control character in \(Array(value.utf8))")
        }
        var framing = "invalid"
        if let body = try? head.framing(requestMethod: "GET") {
            framing = "\(body)"
            if case .length(let length) = body {
                let values = head.headers.values("Content-Length").flatMap { $0.split(separator: ",") }
                    .map { $0.trimmingASCIISpaces() }
                FuzzCheck.require(
                    !values.isEmpty && values.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } },
                    "length \(length) from Content-Length \(head.headers.values("Content-Length"))")
                FuzzCheck.require(values.allSatisfy { UInt64($0) == length }, "length \(length) from \(values)")
            }
        }
        let headFraming = try? head.framing(requestMethod: "HEAD")
        FuzzCheck.require(headFraming == .empty, "a HEAD answer framed as \(String(describing: headFraming))")
        if (100..<200).contains(head.status) || head.status == 204 || head.status == 304 {
            FuzzCheck.require(framing == "empty", "status \(head.status) framed as \(framing)")
        }
        let fields = head.headers.map { "\($0.name): \($0.value)" }.joined(separator: "|")
        return "\(head.status) \(head.reason) 1.\(head.minorVersion) [\(fields)] \(framing)"
    }
}
