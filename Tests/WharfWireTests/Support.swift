import WharfWire

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` (which only rethrows untyped) keeping the wire's typed error.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(WireError) -> R) throws(WireError) -> R {
        try withUnsafeBytes { raw in Result { () throws(WireError) in try body(raw) } }.get()
    }
}
