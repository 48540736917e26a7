import Synchronization
import WharfIO

/// Writes a streamed response body to the socket: in chunked encoding when the length is not
/// known, raw otherwise. Each write leaves in one `send` and returns once the kernel took it.
final class StreamingBodyWriter: ResponseBodyWriter, Sendable {
    struct LengthExceeded: Error, CustomStringConvertible {
        let declared: Int
        var description: String { "a streamed body wrote more than its declared length of \(declared) bytes" }
    }

    private let socket: Socket
    private let chunked: Bool
    private let declaredLength: Int?
    private let writeTimeout: Double
    private let state = Mutex<(written: Int, busy: Bool)>((0, false))

    init(socket: Socket, chunked: Bool, declaredLength: Int?, writeTimeout: Double) {
        self.socket = socket
        self.chunked = chunked
        self.declaredLength = declaredLength
        self.writeTimeout = writeTimeout
    }

    /// Body bytes written so far (without chunk framing).
    var written: Int { state.withLock { $0.written } }

    func write(_ bytes: [UInt8]) async throws {
        if bytes.isEmpty { return }
        try Task.checkCancellation()
        try state.withLock { s throws in
            precondition(!s.busy, "a response body is written by two tasks at once")
            if let declaredLength, s.written + bytes.count > declaredLength { throw LengthExceeded(declared: declaredLength) }
            s.busy = true
        }
        defer { state.withLock { $0.busy = false } }
        if chunked {
            var frame: [UInt8] = []
            frame.reserveCapacity(bytes.count + 20)
            ResponseHead.appendHex(bytes.count, to: &frame)
            frame.append(contentsOf: [0x0D, 0x0A])
            frame.append(contentsOf: bytes)
            frame.append(contentsOf: [0x0D, 0x0A])
            try await socket.write(frame, deadline: .after(seconds: writeTimeout))
        } else {
            try await socket.write(bytes, deadline: .after(seconds: writeTimeout))
        }
        state.withLock { $0.written += bytes.count }
    }

    /// Ends a chunked body (`0\r\n\r\n`).
    func finish() async throws {
        if chunked { try await socket.write(Array("0\r\n\r\n".utf8), deadline: .after(seconds: writeTimeout)) }
    }
}
