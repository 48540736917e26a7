/// Where a request body's bytes come from: the connection, or bytes given in a test.
package protocol RequestBodySource: AnyObject, Sendable {
    /// The next chunk of body bytes, nil at the end. Waiting for the client suspends, so the
    /// client is only read as fast as the consumer reads (backpressure).
    /// - Throws: ``HTTPParseError`` (`.bodyTooLarge`, `.badChunk`, `.bodyTimeout`, `.truncatedBody`).
    func nextChunk() async throws -> [UInt8]?
}

/// A request body: an async sequence of byte chunks read from the client on demand.
///
/// Nothing is buffered beyond one socket read, so a handler can forward a multi-gigabyte upload
/// chunk by chunk. The body can be read once; a second iteration sees what is left (usually nothing).
package struct RequestBody: AsyncSequence, Sendable {
    package typealias Element = [UInt8]
    private let source: (any RequestBodySource)?

    package init(source: (any RequestBodySource)?) { self.source = source }

    /// A body holding `bytes` (for tests and for in-process calls).
    package init(bytes: [UInt8]) {
        source = bytes.isEmpty ? nil : BytesBodySource(chunks: [bytes])
    }

    /// A body that yields `chunks` one by one.
    package init(chunks: [[UInt8]]) {
        source = BytesBodySource(chunks: chunks.filter { !$0.isEmpty })
    }

    package static let empty = RequestBody(source: nil)

    package struct AsyncIterator: AsyncIteratorProtocol {
        let source: (any RequestBodySource)?
        package mutating func next() async throws -> [UInt8]? { try await source?.nextChunk() }
    }

    package func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: source) }

    /// Reads the whole body into memory, refusing more than `limit` bytes (413).
    package func collect(upTo limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in self {
            guard bytes.count + chunk.count <= limit else { throw HTTPParseError.bodyTooLarge(limit: limit) }
            bytes += chunk
        }
        return bytes
    }
}

/// An in-memory body source.
final class BytesBodySource: RequestBodySource, @unchecked Sendable {
    // Mutated only under `lock`; that is why the class may be @unchecked Sendable.
    private var chunks: [[UInt8]]
    private let lock = SpinLock()

    init(chunks: [[UInt8]]) { self.chunks = chunks }

    func nextChunk() async throws -> [UInt8]? {
        lock.withLock { chunks.isEmpty ? nil : chunks.removeFirst() }
    }
}
