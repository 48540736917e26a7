package import WharfWire

/// One request to the Engine API: method, path and query (built by ``DockerPath`` and
/// ``DockerQuery``), extra headers, a body, and per-request time limits.
package struct DockerRequest: Sendable {
    package var method: String
    package var path: DockerPath
    package var query: DockerQuery
    package var headers: HTTPHeaders
    package var body: DockerRequestBody
    /// Whether the path gets the negotiated `/v1.xx` prefix (`/_ping` does not need one).
    package var isVersioned: Bool = true
    /// Overrides the client's response-head limit (a `stop` that waits `t` seconds needs more).
    package var responseHeadTimeout: DockerTimeLimit = .clientDefault
    /// Overrides the client's body-idle limit (`logs?follow`, `events` may stay silent for hours).
    package var bodyIdleTimeout: DockerTimeLimit = .clientDefault

    package init(
        _ method: String, _ path: DockerPath, query: DockerQuery = DockerQuery(), headers: HTTPHeaders = HTTPHeaders(),
        body: DockerRequestBody = .empty
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// Whether the request may be sent again when a reused connection turns out dead before any
    /// response byte (RFC 9110 §9.2.2). Streamed bodies cannot be replayed.
    package var isRetryable: Bool {
        guard ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(method) else { return false }
        if case .stream = body { return false }
        return true
    }

    /// The path and query as sent, with `version` as prefix when versioned.
    package func target(version: DockerAPIVersion?) -> String {
        var target = ""
        if isVersioned, let version { target += "/v\(version)" }
        target += path.encoded
        if !query.isEmpty { target += "?" + query.encoded }
        return target
    }
}

/// A time limit for one phase of one request.
package enum DockerTimeLimit: Sendable, Equatable {
    /// Use the client's ``DockerTimeouts``.
    case clientDefault
    case seconds(Double)
    case unlimited

    func resolve(_ fallback: Double?) -> Double? {
        switch self {
        case .clientDefault: fallback
        case .seconds(let seconds): seconds
        case .unlimited: nil
        }
    }
}

/// A request body: none, bytes in memory (small JSON), or a stream of chunks written one by one
/// as the engine takes them (a build context of any size).
package enum DockerRequestBody: Sendable {
    case empty
    case bytes([UInt8], contentType: String)
    /// Chunks sent with `Content-Length` when `length` is known, else with chunked transfer coding.
    case stream(DockerByteChunks, contentType: String, length: Int?)
}

/// A type-erased, sendable async sequence of byte chunks, for streamed request bodies.
package struct DockerByteChunks: AsyncSequence, Sendable {
    package typealias Element = [UInt8]
    private let makeNext: @Sendable () -> (() async throws -> [UInt8]?)

    package init<S: AsyncSequence & Sendable>(_ sequence: S) where S.Element == [UInt8] {
        makeNext = {
            let box = IteratorBox(sequence.makeAsyncIterator())
            return { try await box.next() }
        }
    }

    /// One chunk.
    package init(_ bytes: [UInt8]) {
        self.init(OneChunk(bytes: bytes))
    }

    package func makeAsyncIterator() -> Iterator { Iterator(nextChunk: makeNext()) }

    package struct Iterator: AsyncIteratorProtocol {
        let nextChunk: () async throws -> [UInt8]?
        package mutating func next() async throws -> [UInt8]? { try await nextChunk() }
    }

    private struct OneChunk: AsyncSequence, Sendable {
        let bytes: [UInt8]
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes) }
        struct AsyncIterator: AsyncIteratorProtocol {
            var bytes: [UInt8]?
            mutating func next() async -> [UInt8]? {
                defer { bytes = nil }
                return bytes
            }
        }
    }
}

/// Holds a mutable iterator so a closure can advance it; used by one task at a time.
private final class IteratorBox<Base: AsyncIteratorProtocol> where Base.Element == [UInt8] {
    var base: Base
    init(_ base: Base) { self.base = base }
    func next() async throws -> [UInt8]? { try await base.next(isolation: #isolation) }
}
