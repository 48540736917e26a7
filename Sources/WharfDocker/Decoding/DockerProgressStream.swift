/// Build, pull and push output: progress messages, one per line, read as they come. A message that
/// carries `error`/`errorDetail` (the engine's way to fail after it already answered `200`) ends the
/// sequence by throwing ``DockerError/stream(message:code:)``, after every message before it.
package struct DockerProgressStream: AsyncSequence, Sendable {
    package typealias Element = DockerProgressMessage
    let lines: DockerJSONStream<DockerProgressMessage>

    package init(body: DockerResponseBody) { lines = DockerJSONStream(body: body) }

    package func makeAsyncIterator() -> Iterator { Iterator(base: lines.makeAsyncIterator()) }

    /// Stops reading and closes the connection (for a build or pull, the engine then stops).
    package func close() { lines.close() }

    /// Reads to the end, returning every message; throws on an in-band error.
    package func collect() async throws -> [DockerProgressMessage] {
        var messages: [DockerProgressMessage] = []
        for try await message in self { messages.append(message) }
        return messages
    }

    package struct Iterator: AsyncIteratorProtocol {
        var base: DockerJSONStream<DockerProgressMessage>.Iterator

        package mutating func next() async throws -> DockerProgressMessage? {
            guard let message = try await base.next() else { return nil }
            if let failure = message.failure {
                base.handle.close()
                throw failure
            }
            return message
        }
    }
}
