internal import FoundationEssentials
package import WharfWire

/// A response from the engine: its head, and a body read on demand as an async sequence of chunks.
package struct DockerResponse: Sendable {
    package let head: DockerResponseHead
    package let body: DockerResponseBody

    package var status: Int { head.status }
    package var headers: HTTPHeaders { head.headers }
}

/// A response body as an `AsyncSequence` of byte chunks (at most 64 KiB each), read from the
/// connection only as fast as it is consumed. Read it once. Reading it to the end returns the
/// connection to the pool; ``close()`` or dropping it unread closes the connection.
package struct DockerResponseBody: AsyncSequence, Sendable {
    package typealias Element = [UInt8]
    let reader: ResponseBodyReader

    package func makeAsyncIterator() -> Iterator {
        reader.claim()
        return Iterator(reader: reader)
    }

    package struct Iterator: AsyncIteratorProtocol {
        let reader: ResponseBodyReader
        package mutating func next() async throws -> [UInt8]? { try await reader.next() }
    }

    /// Stops reading: closes the connection unless the body was complete.
    package func close() { reader.close() }

    /// The whole body, for small answers (JSON).
    /// - Throws: ``DockerError/invalidRequest(_:)`` when it is longer than `limit`; transport errors.
    package func collect(upTo limit: Int = 32 * 1024 * 1024) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in self {
            bytes += chunk
            if bytes.count > limit {
                close()
                throw DockerError.invalidRequest("the engine's answer is larger than \(limit) bytes")
            }
        }
        return bytes
    }

    /// The whole body decoded as JSON.
    package func decode<T: Decodable>(_ type: T.Type, limit: Int = 32 * 1024 * 1024) async throws -> T {
        let bytes = try await collect(upTo: limit)
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw DockerError.decoding(what: String(describing: T.self), reason: String(describing: error))
        }
    }
}
