import Glibc

/// Invariant checks and input splitting shared by the targets.
enum FuzzCheck {
    /// Aborts with `message` on stderr when `condition` is false: libFuzzer saves the input as a
    /// crash artifact; the replay build stops with the message.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
        guard !condition else { return }
        let text = "wharf-fuzz: invariant broken at \(file):\(line): \(message())\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        abort()
    }

    /// Ways to cut `count` bytes into pieces, for comparing incremental parsing with one-shot
    /// parsing: every byte on its own, and cuts at pseudo-random points drawn from `seed` (so a
    /// saved input always replays with the same cuts). Each plan lists the end offset of every
    /// piece, ascending, the last being `count`.
    static func splitPlans(count: Int, seed: [UInt8]) -> [[Int]] {
        guard count > 1 else { return [] }
        var plans: [[Int]] = [Array(1...count)]
        var random = SplitMix(seed: fnv1a(seed))
        for _ in 0..<2 {
            var cuts: Set<Int> = [count]
            let pieces = Int(random.next() % UInt64(min(count, 12))) + 1
            for _ in 0..<pieces { cuts.insert(Int(random.next() % UInt64(count)) + 1) }
            plans.append(cuts.sorted())
        }
        return plans
    }

    /// FNV-1a over `bytes`: a seed for ``SplitMix`` that depends on the whole input.
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}

/// A small deterministic generator (SplitMix64), for split points.
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
