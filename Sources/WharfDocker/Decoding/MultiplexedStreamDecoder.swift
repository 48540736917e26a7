/// Decodes the engine's multiplexed stdout/stderr framing of logs and attach without a TTY: each
/// frame is an 8-byte header `[stream, 0, 0, 0, size (UInt32, big-endian)]` then `size` bytes.
///
/// Payload bytes are passed on as soon as they arrive, even when a frame spans chunks, so memory
/// stays bounded whatever the frame size; only a partial 8-byte header is kept between chunks.
package struct MultiplexedStreamDecoder: Sendable {
    private var header: [UInt8] = []
    private var stream: DockerOutputStream = .stdout
    private var remaining = 0

    package init() {}

    /// The payload pieces in `chunk`, each tagged with its stream; adjacent pieces of one stream merged.
    /// - Throws: ``DockerError/protocolViolation(address:reason:)`` for an unknown stream type.
    package mutating func feed(_ chunk: [UInt8]) throws(DockerError) -> [DockerLogChunk] {
        var output: [DockerLogChunk] = []
        var index = 0
        while index < chunk.count {
            if remaining > 0 {
                let take = min(remaining, chunk.count - index)
                let piece = chunk[index..<(index + take)]
                if let last = output.last, last.stream == stream {
                    output[output.count - 1].bytes += piece
                } else {
                    output.append(DockerLogChunk(stream: stream, bytes: Array(piece)))
                }
                remaining -= take
                index += take
                continue
            }
            let take = min(8 - header.count, chunk.count - index)
            header += chunk[index..<(index + take)]
            index += take
            if header.count == 8 {
                guard let kind = DockerOutputStream(rawValue: header[0]), header[1] == 0, header[2] == 0, header[3] == 0 else {
                    throw .protocolViolation(address: "", reason: "not a multiplexed stream frame header")
                }
                stream = kind
                remaining = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
                header = []
            }
        }
        return output
    }

    /// Whether the input ended on a frame boundary.
    package var isAtFrameBoundary: Bool { header.isEmpty && remaining == 0 }
}

/// Which output a piece of a log or attach stream came from.
package enum DockerOutputStream: UInt8, Sendable, Equatable {
    case stdin = 0
    case stdout = 1
    case stderr = 2
    /// Errors the engine itself adds to an attach stream.
    case systemError = 3
}

/// A piece of container output.
package struct DockerLogChunk: Sendable, Equatable {
    package var stream: DockerOutputStream
    package var bytes: [UInt8]

    package init(stream: DockerOutputStream, bytes: [UInt8]) {
        self.stream = stream
        self.bytes = bytes
    }
}
