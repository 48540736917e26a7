import Synchronization
import WharfHTTP

/// A request body that yields bytes already read from it first, then the rest of the original
/// stream as it arrives: how a middleware looks at the start of a streamed body (the CSRF token
/// in a multipart form's first part) and still hands the handler the whole body, without
/// collecting it.
final class PrefixedBodySource: RequestBodySource {
    private let prefix: Mutex<[UInt8]?>
    private let rest: RequestBody

    init(prefix: [UInt8], rest: RequestBody) {
        self.prefix = Mutex(prefix.isEmpty ? nil : prefix)
        self.rest = rest
    }

    func nextChunk() async throws -> [UInt8]? {
        if let first = prefix.withLock({ prefix in defer { prefix = nil }; return prefix }) { return first }
        // The original body's iterator only asks its source for the next chunk, so a new one
        // carries on where the middleware stopped reading.
        var iterator = rest.makeAsyncIterator()
        return try await iterator.next()
    }
}
