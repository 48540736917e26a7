import WharfHTTP

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` (which only rethrows untyped) keeping the parser's typed error.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(HTTPParseError) -> R) throws(HTTPParseError) -> R {
        try withUnsafeBytes { raw in Result { () throws(HTTPParseError) in try body(raw) } }.get()
    }
}
