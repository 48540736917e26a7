import Glibc
package import WharfIO
package import WharfTLS

/// The whole file at `path` (empty when it cannot be read).
func readCertificateFile(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { return bytes }
        bytes += chunk[0..<count]
    }
}

/// A self-signed certificate for `localhost` and `127.0.0.1` in a folder of its own, made by
/// WharfTLS (``SelfSignedCertificate``, as `wharf serve --tls-self-signed` makes one); clients
/// trust exactly it.
package struct TestCertificate: Sendable {
    package let directory: String
    package var certificateFile: String { directory + "/" + SelfSignedCertificate.certificateFileName }
    package var keyFile: String { directory + "/" + SelfSignedCertificate.keyFileName }

    package static func make() throws -> TestCertificate {
        let directory = try folder()
        _ = try SelfSignedCertificate.loadOrCreate(directory: directory, names: ["localhost", "127.0.0.1"], now: Int64(time(nil)))
        return TestCertificate(directory: directory)
    }

    /// A fresh folder under /tmp.
    package static func folder() throws -> String {
        var template = Array("/tmp/wharf-https-tests-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError(code: errno, operation: "mkdtemp") }
        return String(cString: made)
    }

    /// Removes the folder and its files (the key included).
    package func remove() { Self.removeFolder(directory) }

    /// Removes a folder made by ``folder()`` with the files in it.
    package static func removeFolder(_ path: String) {
        guard path.hasPrefix("/tmp/wharf-https-tests-") else { return }
        if let handle = opendir(path) {
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(handle)
        }
        rmdir(path)
    }

    package func context() throws -> ReloadableTLSServerContext {
        try ReloadableTLSServerContext(certificateFile: certificateFile, keyFile: keyFile)
    }

    package func clientContext() throws -> TLSContext {
        try TLSContext(client: TLSClientConfiguration(certificateAuthorityPEM: readCertificateFile(certificateFile)))
    }

    /// Copies the certificate and key to `cert.pem` and `key.pem` in `folder` (renamed into place).
    package func install(in folder: String) throws {
        for (source, name) in [(certificateFile, "cert.pem"), (keyFile, "key.pem")] {
            let bytes = readCertificateFile(source)
            let temporary = folder + "/." + name
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw SystemError(code: errno, operation: "open \(temporary)") }
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard rename(temporary, folder + "/" + name) == 0 else { throw SystemError(code: errno, operation: "rename") }
        }
    }
}

/// A keep-alive HTTPS client on WharfTLS's own client connection: requests written by hand,
/// responses read with `Content-Length` or chunked framing.
/// `@unchecked Sendable`: one test task uses it at a time.
package final class HTTPSTestClient: @unchecked Sendable {
    package let connection: TLSConnection
    private let buffer = ByteBuffer()

    package struct Response {
        package let status: Int
        package let head: String
        package var body: String
    }

    private init(_ connection: TLSConnection) { self.connection = connection }

    package static func withLoop<R>(_ body: (EventLoop) async throws -> R) async throws -> R {
        let loop = try EventLoop.start(name: "https-test-client")
        do {
            let result = try await body(loop)
            await loop.shutdown()
            return result
        } catch {
            await loop.shutdown()
            throw error
        }
    }

    package static func connect(_ address: SocketAddress, trusting certificate: TestCertificate, loop: EventLoop) async throws -> HTTPSTestClient {
        let deadline = Deadline.after(seconds: 10)
        let socket = try await Socket.connect(to: address, loop: loop, deadline: deadline)
        let tls = try await TLSConnection.connect(
            over: socket, context: try certificate.clientContext(), serverName: "127.0.0.1", deadline: deadline)
        return HTTPSTestClient(tls)
    }

    package func close() { connection.close() }

    package func get(_ path: String, headers: String = "") async throws -> Response {
        try await connection.write(Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\(headers)\r\n".utf8), deadline: .after(seconds: 10))
        return try await readResponse()
    }

    /// `POST path` with `body` (Content-Length), written in 16 KiB pieces.
    package func post(_ path: String, body: [UInt8]) async throws -> Response {
        try await connection.write(
            Array("POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.count)\r\n\r\n".utf8), deadline: .after(seconds: 10))
        var offset = 0
        while offset < body.count {
            let end = min(offset + 16 * 1024, body.count)
            try await connection.write(Array(body[offset..<end]), deadline: .after(seconds: 10))
            offset = end
        }
        return try await readResponse()
    }

    private func readResponse() async throws -> Response {
        var response = try await readHead()
        let head = response.head.lowercased()
        if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
           let length = Int(String(line.dropFirst("content-length:".count).filter { $0 != " " && $0 != "\t" })) {
            response.body = String(decoding: try await take(length), as: UTF8.self)
        } else if head.contains("transfer-encoding: chunked") {
            var body: [UInt8] = []
            while true {
                let sizeLine = try await line()
                guard let size = Int(sizeLine, radix: 16) else { throw IOError.closed }
                body += try await take(size)
                _ = try await line()
                if size == 0 { break }
            }
            response.body = String(decoding: body, as: UTF8.self)
        }
        return response
    }

    /// Reads a response head (through the blank line).
    package func readHead() async throws -> Response {
        var lines: [String] = []
        while true {
            let next = try await line()
            if next.isEmpty { break }
            lines.append(next)
        }
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        return Response(status: status, head: lines.joined(separator: "\r\n"), body: "")
    }

    /// Everything until the server's end of stream, as text.
    package func readToEnd() async throws -> String {
        var bytes = buffer.readBytes(upTo: buffer.readableCount)
        while try await connection.read(into: buffer, chunk: 16 * 1024, deadline: .after(seconds: 10)) > 0 {
            bytes += buffer.readBytes(upTo: buffer.readableCount)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func fill() async throws {
        guard try await connection.read(into: buffer, chunk: 16 * 1024, deadline: .after(seconds: 10)) > 0 else { throw IOError.closed }
    }

    private func line() async throws -> String {
        while true {
            let bytes = buffer.withReadableBytes { Array($0) }
            if let end = bytes.indices.first(where: { $0 + 1 < bytes.count && bytes[$0] == 13 && bytes[$0 + 1] == 10 }) {
                let line = buffer.readBytes(upTo: end)
                _ = buffer.readBytes(upTo: 2)
                return String(decoding: line, as: UTF8.self)
            }
            try await fill()
        }
    }

    private func take(_ count: Int) async throws -> [UInt8] {
        while buffer.readableCount < count { try await fill() }
        return buffer.readBytes(upTo: count)
    }
}
