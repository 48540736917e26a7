import Synchronization

/// Request ids: a random per-process prefix and a counter, e.g. `9f1c2e7a-0000002a`.
/// Unique within a process run and cheap to make; they identify, they do not authorize.
final class RequestIDs: Sendable {
    private let prefix: UInt32
    private let counter = Atomic<UInt64>(0)

    init() {
        var generator = SystemRandomNumberGenerator()
        prefix = UInt32.random(in: .min ... .max, using: &generator)
    }

    /// How many ids were handed out: one per request.
    var issued: UInt64 { counter.load(ordering: .relaxed) }

    /// `prefix-counter`, each eight hex digits, written straight into the string's storage.
    func next() -> String {
        let value = UInt32(truncatingIfNeeded: counter.wrappingAdd(1, ordering: .relaxed).newValue)
        return String(unsafeUninitializedCapacity: 17) { buffer in
            Self.writeHex(prefix, into: buffer, at: 0)
            buffer[8] = UInt8(ascii: "-")
            Self.writeHex(value, into: buffer, at: 9)
            return 17
        }
    }

    private static func writeHex(_ value: UInt32, into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        var rest = value
        for index in stride(from: start + 7, through: start, by: -1) {
            let digit = UInt8(truncatingIfNeeded: rest & 0xF)
            buffer[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
            rest >>= 4
        }
    }
}
