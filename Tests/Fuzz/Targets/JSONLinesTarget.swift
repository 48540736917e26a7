import FoundationEssentials
import WharfDocker

/// The engine's JSON-lines streams (`JSONLinesDecoder`: build, pull and push progress, events,
/// streamed stats), then each line decoded as the client decodes it.
///
/// Asserts, with the default line limit and a 64-byte one: when no feed fails, the lines
/// (and the last unterminated line at the end) are the same whether the input comes whole,
/// byte by byte or cut at random points; a line never holds a line feed, ends with a CR or is
/// blank; a limit error in one-shot decoding is one in split decoding too (pending bytes are
/// bounded by the limit); and each line decodes as a `DockerProgressMessage` and a `JSONValue`
/// without crashing, a `JSONValue` re-encoding to an equal value.
enum JSONLinesTarget {
    static let target = FuzzTarget(
        name: "json-lines",
        summary: "JSON lines: whole = byte-by-byte = random splits; no LF/CR/blank lines; limit errors agree; JSONValue round trip",
        run: run)

    struct Outcome: Equatable {
        var lines: [[UInt8]] = []
        var last: [UInt8]?
        var failed = false
    }

    static func run(_ input: [UInt8]) {
        for limit in [JSONLinesDecoder.defaultMaxLineBytes, 64] {
            let whole = decode(input, plan: [input.count], limit: limit)
            for plan in FuzzCheck.splitPlans(count: input.count, seed: input) {
                let split = decode(input, plan: plan, limit: limit)
                // Pending bytes are checked after each feed: a smaller feed can only notice an
                // overlong line sooner, never miss one.
                FuzzCheck.require(split.failed || !whole.failed, "split \(plan.prefix(20)) missed an overlong line")
                if split.failed { continue }
                FuzzCheck.require(split == whole, "split \(plan.prefix(20)) gave \(split), whole input gave \(whole)")
            }
            for line in whole.lines {
                FuzzCheck.require(!line.contains(0x0A) && line.last != 0x0D, "line \(line.prefix(64))")
                FuzzCheck.require(!line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }, "blank line")
            }
        }
        let lines = decode(input, plan: [input.count], limit: JSONLinesDecoder.defaultMaxLineBytes)
        for line in lines.lines + (lines.last.map { [$0] } ?? []) { decodeJSON(line) }
    }

    static func decode(_ input: [UInt8], plan: [Int], limit: Int) -> Outcome {
        var decoder = JSONLinesDecoder(maxLineBytes: limit)
        var outcome = Outcome()
        var start = 0
        for end in plan {
            do {
                outcome.lines += try decoder.feed(Array(input[start..<end]))
            } catch {
                outcome.failed = true
                return outcome
            }
            start = end
        }
        outcome.last = decoder.finish()
        return outcome
    }

    static func decodeJSON(_ line: [UInt8]) {
        _ = try? JSONDecoder().decode(DockerProgressMessage.self, from: Data(line))
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line)) else { return }
        guard let encoded = try? JSONEncoder().encode(value) else {
            FuzzCheck.require(false, "a decoded JSONValue does not encode: \(value)")
            return
        }
        let again = try? JSONDecoder().decode(JSONValue.self, from: encoded)
        FuzzCheck.require(again.map { same($0, value) } ?? false, "JSONValue \(value) re-decoded as \(String(describing: again))")
    }

    /// Equality of JSON values, where a number is the same whether it decoded as an integer or a double.
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.integer(let x), .double(let y)), (.double(let y), .integer(let x)): Double(x) == y
        case (.array(let x), .array(let y)): x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)): x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        default: a == b
        }
    }
}
