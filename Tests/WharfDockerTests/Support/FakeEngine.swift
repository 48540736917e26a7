import Synchronization
import WharfDocker
import WharfIO
import WharfTestSupport
import WharfWire

/// A scripted HTTP peer on a loopback port, for codec edge cases a real engine never shows on
/// demand: close-delimited bodies, chunk extensions, 101 upgrades, silence, hang-ups mid-body.
///
/// Each accepted connection runs `handler` in its own task; the handler reads requests with
/// ``FakeConnection/readRequest()`` and writes whatever bytes the test wants.
final class FakeEngine: Sendable {
    let listener: Socket
    let port: UInt16
    private let accepted = Locked<Int>(0)
    private let acceptTask = Mutex<Task<Void, Never>?>(nil)

    init(_ handler: @escaping @Sendable (FakeConnection) async throws -> Void) throws {
        let loop = TestHTTPServer.group.next()
        listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: loop)
        port = try listener.localAddress().port ?? 0
        let listener = listener
        let accepted = accepted
        let task = Task {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    do {
                        if let (fd, _) = try listener.accept() {
                            accepted.withLock { $0 += 1 }
                            let socket = try Socket(adopting: fd, loop: TestHTTPServer.group.next())
                            group.addTask {
                                let connection = FakeConnection(socket: socket)
                                try? await handler(connection)
                                connection.close()
                            }
                        } else {
                            try await listener.readiness.wait(.read)
                        }
                    } catch {
                        return
                    }
                }
            }
        }
        acceptTask.withLock { $0 = task }
    }

    var endpoint: DockerEndpoint { .tcp(host: "127.0.0.1", port: port) }
    var acceptedCount: Int { accepted.value }

    func client(timeouts: DockerTimeouts = DockerTimeouts()) -> DockerClient {
        DockerClient(endpoint: endpoint, group: TestHTTPServer.group, timeouts: timeouts)
    }

    func stop() {
        acceptTask.withLock { $0?.cancel() }
        listener.close()
    }

    /// A `_ping` answer with `version`, as dockerd sends it.
    static func pingResponse(version: String = "1.41") -> String {
        "HTTP/1.1 200 OK\r\nApi-Version: \(version)\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nOK"
    }

    /// An engine that answers `_ping` and then calls `handler` for every other request.
    static func answering(
        version: String = "1.41", _ handler: @escaping @Sendable (FakeRequest, FakeConnection) async throws -> Void
    ) throws -> FakeEngine {
        try FakeEngine { connection in
            while let request = try await connection.readRequest() {
                if request.target == "/_ping" {
                    try await connection.write(pingResponse(version: version))
                } else {
                    try await handler(request, connection)
                }
            }
        }
    }
}

/// A request as the fake engine read it.
struct FakeRequest: Sendable {
    var method: String
    var target: String
    var headers: [String: String]
    var body: [UInt8]
}

/// One accepted connection of a ``FakeEngine``.
final class FakeConnection: @unchecked Sendable {
    // Used by the one handler task that owns this connection.
    let socket: Socket
    private let buffer = ByteBuffer()

    init(socket: Socket) { self.socket = socket }

    func write(_ text: String) async throws { try await socket.write(Array(text.utf8)) }
    func write(_ bytes: [UInt8]) async throws { try await socket.write(bytes) }
    func close() { socket.close() }

    /// Reads one request (head, then a `Content-Length` or chunked body); nil at end of stream.
    func readRequest() async throws -> FakeRequest? {
        if socket.isClosed { return nil }
        guard let headEnd = try await fill(until: { Self.find([13, 10, 13, 10], in: $0) }) else { return nil }
        let headText = String(decoding: buffer.readBytes(upTo: headEnd + 4), as: UTF8.self)
        var lines = headText.split(separator: "\r\n").map(String.init)
        let requestLine = lines.removeFirst().split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        var body: [UInt8] = []
        if let length = headers["content-length"].flatMap(Int.init), length > 0 {
            guard try await fill(until: { $0.count >= length ? length : nil }) != nil else { return nil }
            body = buffer.readBytes(upTo: length)
        } else if headers["transfer-encoding"] == "chunked" {
            while true {
                guard let lineEnd = try await fill(until: { Self.find([13, 10], in: $0) }) else { return nil }
                let sizeLine = String(decoding: buffer.readBytes(upTo: lineEnd + 2).dropLast(2), as: UTF8.self)
                let size = Int(sizeLine, radix: 16) ?? 0
                guard try await fill(until: { $0.count >= size + 2 ? size : nil }) != nil else { return nil }
                body += buffer.readBytes(upTo: size)
                _ = buffer.readBytes(upTo: 2)
                if size == 0 { break }
            }
        }
        return FakeRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    /// Reads until `found` returns non-nil for the buffered bytes; nil at end of stream.
    private func fill(until found: ([UInt8]) -> Int?) async throws -> Int? {
        while true {
            let bytes = buffer.withReadableBytes { Array($0) }
            if let index = found(bytes) { return index }
            if try await socket.read(into: buffer, chunk: 16 * 1024, deadline: .after(seconds: 10)) == 0 { return nil }
        }
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        for index in 0...(bytes.count - needle.count) where Array(bytes[index..<(index + needle.count)]) == needle {
            return index
        }
        return nil
    }
}
