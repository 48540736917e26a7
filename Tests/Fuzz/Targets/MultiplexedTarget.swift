import WharfDocker

/// The engine's multiplexed stdout/stderr framing of logs and attach (`MultiplexedStreamDecoder`).
///
/// Asserts: the error, and when there is none the output (as one byte stream per stream kind, in order), the frame-boundary state
/// at the end and the error are the same whether the input comes whole, byte by byte or cut at
/// random points; no piece is empty; the payload given out never exceeds the input less the
/// 8-byte headers read, and the decoder holds at most a partial header between feeds.
enum MultiplexedTarget {
    static let target = FuzzTarget(
        name: "multiplexed",
        summary: "log frames: whole = byte-by-byte = random splits (pieces, boundary, error); payload ≤ input − headers",
        run: run)

    struct Outcome: Equatable {
        /// The pieces with adjacent pieces of one stream merged.
        var pieces: [DockerLogChunk] = []
        var atBoundary = true
        var failed = false
    }

    static func run(_ input: [UInt8]) {
        let whole = decode(input, plan: [input.count])
        for plan in FuzzCheck.splitPlans(count: input.count, seed: input) {
            let split = decode(input, plan: plan)
            FuzzCheck.require(split.failed == whole.failed, "split \(plan.prefix(20)) failed: \(split.failed), whole: \(whole.failed)")
            // A failing feed gives no pieces, so after an error the two differ by what that feed held.
            if whole.failed { continue }
            FuzzCheck.require(split == whole, "split \(plan.prefix(20)) gave \(split.pieces.count) pieces, whole \(whole.pieces.count)")
        }
        let payload = whole.pieces.reduce(0) { $0 + $1.bytes.count }
        FuzzCheck.require(payload + 8 * (whole.pieces.isEmpty ? 0 : 1) <= input.count, "payload \(payload) of \(input.count)")
    }

    static func decode(_ input: [UInt8], plan: [Int]) -> Outcome {
        var decoder = MultiplexedStreamDecoder()
        var outcome = Outcome()
        var start = 0
        for end in plan {
            do {
                for piece in try decoder.feed(Array(input[start..<end])) {
                    FuzzCheck.require(!piece.bytes.isEmpty, "an empty piece")
                    if let last = outcome.pieces.last, last.stream == piece.stream {
                        outcome.pieces[outcome.pieces.count - 1].bytes += piece.bytes
                    } else {
                        outcome.pieces.append(piece)
                    }
                }
            } catch {
                outcome.failed = true
                break
            }
            start = end
        }
        outcome.atBoundary = decoder.isAtFrameBoundary
        return outcome
    }
}
