/// Ways to cut a byte string into pieces, for decoders that must not care where reads end: whole,
/// byte by byte, every two-piece split, and seeded random pieces (as apple/swift-nio's
/// `ByteToMessageDecoderVerifier` does).
package enum Splits {
    package static func all(_ bytes: [UInt8], randomRounds: Int = 20) -> [[[UInt8]]] {
        var result: [[[UInt8]]] = [[bytes], bytes.map { [$0] }]
        if bytes.count > 1 {
            for cut in 1..<bytes.count { result.append([Array(bytes[..<cut]), Array(bytes[cut...])]) }
        }
        var generator = SplitMix(seed: UInt64(bytes.count) &+ 0x9E37_79B9)
        for _ in 0..<randomRounds { result.append(random(bytes, using: &generator)) }
        return result
    }

    /// Pieces of 1 to `maxPiece` bytes.
    package static func random(_ bytes: [UInt8], maxPiece: Int = 17, using generator: inout SplitMix) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            let size = Int(generator.next() % UInt64(maxPiece)) + 1
            pieces.append(Array(bytes[offset..<min(offset + size, bytes.count)]))
            offset += size
        }
        return pieces
    }
}

/// A small deterministic generator (SplitMix64), so a failing random case can be reproduced.
package struct SplitMix: RandomNumberGenerator {
    package var state: UInt64
    package init(seed: UInt64) { state = seed }
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
