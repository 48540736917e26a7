import Synchronization

/// Request ids: a random per-process prefix and a counter, e.g. `9f1c2e7a-0000002a`.
/// Unique within a process run and cheap to make; they identify, they do not authorize.
final class RequestIDs: Sendable {
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    init() {
        var generator = SystemRandomNumberGenerator()
        let value = UInt32.random(in: .min ... .max, using: &generator)
        prefix = RequestIDs.hex(UInt64(value), width: 8)
    }

    func next() -> String {
        let value = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return prefix + "-" + RequestIDs.hex(value & 0xFFFF_FFFF, width: 8)
    }

    static func hex(_ value: UInt64, width: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8](repeating: UInt8(ascii: "0"), count: width)
        var rest = value
        for index in stride(from: width - 1, through: 0, by: -1) {
            bytes[index] = digits[Int(rest & 0xF)]
            rest >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
