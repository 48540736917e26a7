/// Ways to cut a byte string into chunks, for decoders that must not care where reads end:
/// whole, byte by byte, every two-piece split, and seeded random chunkings
/// (as apple/swift-nio's `ByteToMessageDecoderVerifier` does).
enum Splits {
    static func all(_ bytes: [UInt8], randomRounds: Int = 20) -> [[[UInt8]]] {
        var result: [[[UInt8]]] = [[bytes], bytes.map { [$0] }]
        if bytes.count > 1 {
            for cut in 1..<bytes.count { result.append([Array(bytes[..<cut]), Array(bytes[cut...])]) }
        }
        var generator = SeededGenerator(seed: UInt64(bytes.count) &+ 0x9E37_79B9)
        for _ in 0..<randomRounds {
            var chunks: [[UInt8]] = []
            var index = 0
            while index < bytes.count {
                let size = Int.random(in: 1...max(1, min(17, bytes.count - index)), using: &generator)
                chunks.append(Array(bytes[index..<(index + size)]))
                index += size
            }
            result.append(chunks)
        }
        return result
    }
}

/// A small deterministic generator (SplitMix64), so a failing chunking can be reproduced.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
