internal import FoundationEssentials

/// An `AsyncSequence` of JSON values decoded one per line from a response body, as the body is read:
/// `events`, streamed `stats`, and (through ``DockerProgressStream``) build, pull and push output.
package struct DockerJSONStream<Element: Decodable & Sendable>: AsyncSequence, Sendable {
    let body: DockerResponseBody

    package init(body: DockerResponseBody) { self.body = body }

    package func makeAsyncIterator() -> Iterator { Iterator(body: body.makeAsyncIterator(), handle: body) }

    /// Stops reading and closes the connection.
    package func close() { body.close() }

    package struct Iterator: AsyncIteratorProtocol {
        var body: DockerResponseBody.Iterator
        let handle: DockerResponseBody
        var lines = JSONLinesDecoder()
        var ready: [[UInt8]] = []
        var ended = false
        let decoder = JSONDecoder()

        package mutating func next() async throws -> Element? {
            while ready.isEmpty {
                if ended { return nil }
                if let chunk = try await body.next() {
                    do {
                        ready = try lines.feed(chunk)
                    } catch {
                        handle.close()
                        throw error
                    }
                } else {
                    ended = true
                    if let last = lines.finish() { ready = [last] }
                }
            }
            let line = ready.removeFirst()
            do {
                if let lineType = Element.self as? any JSONLineDecodable.Type, let value = try lineType.init(jsonLine: line) as? Element {
                    return value
                }
                return try decoder.decode(Element.self, from: Data(line))
            } catch {
                handle.close()
                let preview = String(decoding: line.prefix(200), as: UTF8.self)
                throw DockerError.decoding(what: "\(Element.self) line \"\(preview)\"", reason: String(describing: error))
            }
        }
    }
}
