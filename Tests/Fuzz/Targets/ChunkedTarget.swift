import WharfWire

/// The chunked transfer-coding decoder shared by the server (request bodies) and the Docker
/// client (response bodies): `ChunkedDecoder` in WharfWire.
///
/// Asserts, under the default limits and under small ones: decoding the input whole, byte by
/// byte and cut at random points gives the same body bytes, the same end offset and the same
/// error; every data range lies inside the piece given and is not empty; each call makes
/// progress (the decoder buffers nothing, so memory cannot grow). And a round trip: the input
/// itself, framed as chunks of sizes drawn from it with extensions and a trailer, decodes back
/// to itself.
enum ChunkedTarget {
    static let target = FuzzTarget(
        name: "chunked",
        summary: "chunked decoder: whole = byte-by-byte = random splits (body, end, error); progress; encode→decode round trip",
        run: run)

    struct Outcome: Equatable {
        var body: [UInt8] = []
        /// Input offset just past the last chunk and trailer section, when the body ended.
        var end: Int?
        var error: WireError?
    }

    static let small = ChunkedDecoder.Limits(maxExtensionBytes: 16, maxTrailerBytes: 64, maxTrailerFields: 3)

    static func run(_ input: [UInt8]) {
        for limits in [ChunkedDecoder.Limits(), small] {
            let whole = decode(input, plan: [input.count], limits: limits)
            for plan in FuzzCheck.splitPlans(count: input.count, seed: input) {
                let split = decode(input, plan: plan, limits: limits)
                FuzzCheck.require(split == whole, "split \(plan.prefix(20)) gave \(split), whole input gave \(whole)")
            }
        }
        roundTrip(input)
    }

    /// Decodes `input` given in pieces ending at each offset of `plan`.
    static func decode(_ input: [UInt8], plan: [Int], limits: ChunkedDecoder.Limits) -> Outcome {
        var decoder = ChunkedDecoder(limits: limits)
        var outcome = Outcome()
        var start = 0
        for end in plan {
            var offset = start
            var calls = 0
            while offset < end {
                calls += 1
                FuzzCheck.require(calls <= end - start + 1, "no progress in a piece of \(end - start) bytes")
                do {
                    let (consumed, event) = try input.withUnsafeBytes { raw throws(WireError) in
                        try decoder.next(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                    }
                    FuzzCheck.require(consumed >= 0 && consumed <= end - offset, "consumed \(consumed) of \(end - offset)")
                    switch event {
                    case .data(let range):
                        FuzzCheck.require(!range.isEmpty && range.upperBound <= consumed, "data range \(range), consumed \(consumed)")
                        outcome.body += input[(offset + range.lowerBound)..<(offset + range.upperBound)]
                    case .end:
                        FuzzCheck.require(decoder.isDone, "end reported before the decoder is done")
                        outcome.end = offset + consumed
                        return outcome
                    case .needMore:
                        FuzzCheck.require(consumed == end - offset, "needMore after \(consumed) of \(end - offset) bytes")
                    }
                    offset += consumed
                } catch {
                    outcome.error = error as? WireError ?? .malformed("unexpected \(error)")
                    return outcome
                }
            }
            start = end
        }
        return outcome
    }

    /// Frames `input` as chunks (sizes, extensions and trailer fields chosen from its bytes) and
    /// checks that the decoder gives it back and ends exactly at the end of the framing.
    static func roundTrip(_ input: [UInt8]) {
        var random = SplitMix(seed: FuzzCheck.fnv1a(input))
        var encoded: [UInt8] = []
        var offset = 0
        while offset < input.count {
            let size = min(input.count - offset, Int(random.next() % 64) + 1)
            var line = String(size, radix: 16, uppercase: random.next() % 2 == 0)
            if random.next() % 4 == 0 { line = "000" + line }
            if random.next() % 3 == 0 { line += " ; name=\"quoted \\\" value\" ;token=v1;bare" }
            encoded += Array(line.utf8) + [13, 10] + input[offset..<(offset + size)] + [13, 10]
            offset += size
        }
        encoded += Array("0;last\r\nChecksum: abc\r\nX-Other:\t value \r\n\r\n".utf8)
        let decoded = decode(encoded, plan: [encoded.count], limits: ChunkedDecoder.Limits())
        FuzzCheck.require(decoded == Outcome(body: input, end: encoded.count, error: nil), "round trip gave \(decoded)")
    }
}
