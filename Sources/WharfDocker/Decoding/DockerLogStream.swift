/// Container output (logs, attach) as an `AsyncSequence` of ``DockerLogChunk``s, read as it comes:
/// demultiplexed from 8-byte frames, or passed through as `.stdout` for a container with a TTY
/// (whose stream is raw).
package struct DockerLogStream: AsyncSequence, Sendable {
    package typealias Element = DockerLogChunk
    let body: DockerResponseBody
    /// Whether the stream is raw (the container has a TTY) rather than multiplexed.
    package let isRaw: Bool

    package init(body: DockerResponseBody, isRaw: Bool) {
        self.body = body
        self.isRaw = isRaw
    }

    package func makeAsyncIterator() -> Iterator { Iterator(body: body.makeAsyncIterator(), handle: body, isRaw: isRaw) }

    /// Stops reading and closes the connection.
    package func close() { body.close() }

    package struct Iterator: AsyncIteratorProtocol {
        var body: DockerResponseBody.Iterator
        let handle: DockerResponseBody
        let isRaw: Bool
        var decoder = MultiplexedStreamDecoder()
        var ready: [DockerLogChunk] = []

        package mutating func next() async throws -> DockerLogChunk? {
            while ready.isEmpty {
                guard let chunk = try await body.next() else { return nil }
                if isRaw {
                    return DockerLogChunk(stream: .stdout, bytes: chunk)
                }
                do {
                    ready = try decoder.feed(chunk)
                } catch {
                    handle.close()
                    throw error
                }
            }
            return ready.removeFirst()
        }
    }
}
