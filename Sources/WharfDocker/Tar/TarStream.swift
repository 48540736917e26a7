/// A tar archive produced as an `AsyncSequence` of chunks, entry by entry, for streaming uploads
/// (a build context of any size): headers are made as each entry starts, and file content is
/// pulled from its own async sequence only as the consumer asks, so memory stays bounded.
package struct TarStream: AsyncSequence, Sendable {
    package typealias Element = [UInt8]

    /// Where an entry's content comes from.
    package enum Content: Sendable {
        case bytes([UInt8])
        /// Chunks that must add up to the entry's `size` exactly.
        case stream(DockerByteChunks)
    }

    private let entries: [(TarEntry, Content)]

    package init(_ entries: [(TarEntry, Content)]) { self.entries = entries }

    /// The archive's length in bytes, known in advance from the entries' sizes.
    package var length: Int {
        get throws {
            try entries.reduce(TarWriter.endOfArchive.count) { total, item in
                total + (try TarWriter.header(for: item.0)).count + item.0.size + TarWriter.padding(forContentOf: item.0.size).count
            }
        }
    }

    package func makeAsyncIterator() -> Iterator { Iterator(entries: entries) }

    package struct Iterator: AsyncIteratorProtocol {
        let entries: [(TarEntry, Content)]
        var index = 0
        var current: DockerByteChunks.Iterator?
        var written = 0
        var finished = false

        package mutating func next() async throws -> [UInt8]? {
            while true {
                if var content = current {
                    let entry = entries[index].0
                    let chunk = try await content.next()
                    current = content
                    if let chunk {
                        written += chunk.count
                        guard written <= entry.size else {
                            throw DockerError.invalidRequest("tar entry \(entry.name) is longer than its size \(entry.size)")
                        }
                        if chunk.isEmpty { continue }
                        return chunk
                    }
                    guard written == entry.size else {
                        throw DockerError.invalidRequest("tar entry \(entry.name) is \(written) bytes, not \(entry.size)")
                    }
                    current = nil
                    index += 1
                    let padding = TarWriter.padding(forContentOf: entry.size)
                    if !padding.isEmpty { return padding }
                    continue
                }
                guard index < entries.count else {
                    if finished { return nil }
                    finished = true
                    return TarWriter.endOfArchive
                }
                let (entry, content) = entries[index]
                let header = try TarWriter.header(for: entry)
                switch content {
                case .bytes(let bytes):
                    guard bytes.count == entry.size else {
                        throw DockerError.invalidRequest("tar entry \(entry.name) is \(bytes.count) bytes, not \(entry.size)")
                    }
                    index += 1
                    return header + bytes + TarWriter.padding(forContentOf: bytes.count)
                case .stream(let chunks):
                    current = chunks.makeAsyncIterator()
                    written = 0
                    return header
                }
            }
        }
    }
}
