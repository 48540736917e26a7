/// Splits a byte stream into lines, keeping a partial line across chunks: the framing of the
/// engine's progress streams (build, pull, push, load), `events` and streamed `stats`.
///
/// The engine ends each JSON message with `\n` or `\r\n`; empty lines are skipped. A line longer
/// than `maxLineBytes` is an error rather than unbounded buffering.
package struct JSONLinesDecoder: Sendable {
    package static let defaultMaxLineBytes = 4 * 1024 * 1024
    package let maxLineBytes: Int
    private var pending: [UInt8] = []

    package init(maxLineBytes: Int = JSONLinesDecoder.defaultMaxLineBytes) { self.maxLineBytes = maxLineBytes }

    /// The complete lines in `chunk` (after what was pending), without their line ends.
    /// - Throws: ``DockerError/protocolViolation(address:reason:)`` for a line over the limit.
    package mutating func feed(_ chunk: [UInt8]) throws(DockerError) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = 0
        for index in chunk.indices where chunk[index] == 0x0A {
            var line = pending
            line += chunk[start..<index]
            pending = []
            if line.last == 0x0D { line.removeLast() }
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { lines.append(line) }
            start = index + 1
        }
        pending += chunk[start...]
        guard pending.count <= maxLineBytes else {
            throw .protocolViolation(address: "", reason: "a JSON line longer than \(maxLineBytes) bytes")
        }
        return lines
    }

    /// What is left at end of stream: a last line without its line end, if any.
    package mutating func finish() -> [UInt8]? {
        defer { pending = [] }
        let rest = pending.filter { $0 != 0x0D }
        return rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) ? nil : pending
    }
}
