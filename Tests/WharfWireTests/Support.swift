import WharfWire

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` (which only rethrows untyped) keeping the wire's typed error.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(WireError) -> R) throws(WireError) -> R {
        try withUnsafeBytes { raw in Result { () throws(WireError) in try body(raw) } }.get()
    }
}

/// A tiny deterministic generator (SplitMix64) so random splits are the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Ways to cut bytes into pieces: whole, byte by byte, every two-piece split, seeded random pieces.
enum Splits {
    static func all(_ bytes: [UInt8], randomRounds: Int = 20, seed: UInt64 = 0) -> [[[UInt8]]] {
        var result: [[[UInt8]]] = [[bytes], bytes.map { [$0] }]
        if bytes.count > 1 {
            for cut in 1..<bytes.count { result.append([Array(bytes[..<cut]), Array(bytes[cut...])]) }
        }
        var generator = SplitMix(seed: seed &+ UInt64(bytes.count))
        for _ in 0..<randomRounds { result.append(random(bytes, using: &generator)) }
        return result
    }

    static func random(_ bytes: [UInt8], maxPiece: Int = 7, using generator: inout SplitMix) -> [[UInt8]] {
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
