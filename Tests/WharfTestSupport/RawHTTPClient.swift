import Dispatch
import Glibc
package import WharfIO

/// A deliberately small HTTP/1.1 client for tests: it sends arbitrary bytes and reads responses
/// (status line, headers, body by `Content-Length`, chunked or until close) with a deadline.
///
/// It runs on a plain non-blocking socket and `poll(2)`, not on WharfIO's `Socket` and
/// `EventLoop`, on purpose: the client must keep working, and fail precisely, when the code
/// under test misbehaves (a stalled loop, a lost wake-up), and it must be able to do what a
/// server never does (send one byte at a time, half-close, hang up mid-response). The waits run
/// on the client's own serial dispatch queues, one for sending and one for receiving (so a test
/// can read the answer while a large body is still going out), never on the Swift cooperative
/// pool, so tests that wait at the same time cannot starve the server's tasks or each other.
/// Every wait has a deadline, so a bug can fail a test but never hang the suite.
///
/// `@unchecked Sendable`: the receive buffer and the end-of-stream flags are only touched on
/// `readQueue`; sending only uses the descriptor, on `writeQueue`; `close()` goes through both.
package final class RawHTTPClient: @unchecked Sendable {
    /// Why a client operation failed.
    package enum Failure: Error, Equatable, CustomStringConvertible {
        /// Nothing (or not enough) arrived before the deadline; the payload says what was awaited.
        case timedOut(String)
        /// The server closed the connection before what was awaited was complete.
        case closedEarly(String)
        /// A system call failed with `errno`.
        case system(String, Int32)
        /// The server sent something that is not HTTP/1.1 as a client reads it.
        case malformed(String)

        package var description: String {
            switch self {
            case .timedOut(let what): "timed out waiting for \(what)"
            case .closedEarly(let what): "connection closed while waiting for \(what)"
            case .system(let operation, let code): "\(operation): \(String(cString: strerror(code))) (errno \(code))"
            case .malformed(let what): "malformed response: \(what)"
            }
        }
    }

    /// Seconds a read waits by default: long enough never to fail a correct server on a loaded
    /// machine, short enough that a broken one fails the test quickly.
    package static let defaultTimeout: Double = 5

    private let fd: Int32
    private let readQueue = DispatchQueue(label: "wharf.test.raw-http-client.read")
    private let writeQueue = DispatchQueue(label: "wharf.test.raw-http-client.write")
    // Touched only on `readQueue`.
    private var received: [UInt8] = []
    private var endOfStream = false
    private var wasReset = false
    private var isClosed = false

    private init(fd: Int32) { self.fd = fd }

    deinit { if !isClosed { Glibc.close(fd) } }

    // MARK: Connecting

    /// Connects to `address` (IPv4, IPv6 or Unix), waiting at most `timeout` seconds; from the
    /// local address `source` when given (e.g. `127.0.0.2`, so a server sees another client).
    /// - Throws: ``Failure/system(_:_:)`` with the `errno` (e.g. `ECONNREFUSED`), or ``Failure/timedOut(_:)``.
    package static func connect(to address: SocketAddress, from source: SocketAddress? = nil, timeout: Double = 2) async throws -> RawHTTPClient {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "wharf.test.connect").async {
                continuation.resume(with: Result { try connectSync(to: address, from: source, timeout: timeout) })
            }
        }
    }

    private static func connectSync(to address: SocketAddress, from source: SocketAddress?, timeout: Double) throws -> RawHTTPClient {
        let domain: Int32 = switch address.family {
        case .ipv4: AF_INET
        case .ipv6: AF_INET6
        case .unix: AF_UNIX
        }
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = Glibc.socket(domain, type, 0)
        guard fd >= 0 else { throw Failure.system("socket", errno) }
        let client = RawHTTPClient(fd: fd)
        if address.family != .unix {
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        if let source, try withSockAddr(source, { pointer, length in Glibc.bind(fd, pointer, length) }) != 0 {
            throw Failure.system("bind", errno)
        }
        let result = try withSockAddr(address) { pointer, length in Glibc.connect(fd, pointer, length) }
        if result != 0 {
            let code = errno
            guard code == EINPROGRESS else { throw Failure.system("connect", code) }
            guard try poll(fd, events: Int16(POLLOUT), until: TestClock.after(timeout)) else {
                throw Failure.timedOut("connect")
            }
            var pending: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &length)
            if pending != 0 { throw Failure.system("connect", pending) }
        }
        return client
    }

    /// Builds the C socket address from the numeric host and port of `address`.
    private static func withSockAddr<R>(
        _ address: SocketAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R
    ) throws -> R {
        switch address.family {
        case .ipv4:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = (address.port ?? 0).bigEndian
            guard inet_pton(AF_INET, address.host, &sin.sin_addr) == 1 else { throw Failure.malformed("address \(address)") }
            return withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .ipv6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = (address.port ?? 0).bigEndian
            guard inet_pton(AF_INET6, address.host, &sin6.sin6_addr) == 1 else { throw Failure.malformed("address \(address)") }
            return withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        case .unix:
            var sun = sockaddr_un()
            sun.sun_family = sa_family_t(AF_UNIX)
            let path = Array(address.host.utf8)
            withUnsafeMutableBytes(of: &sun.sun_path) { raw in
                raw.copyBytes(from: path.prefix(raw.count - 1))
            }
            return withUnsafePointer(to: &sun) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
    }

    // MARK: Sending

    /// Sends every byte, waiting at most `timeout` seconds for room.
    /// - Throws: ``Failure/system(_:_:)`` (`EPIPE`, `ECONNRESET`) when the server has gone.
    package func send(_ bytes: [UInt8], timeout: Double = defaultTimeout) async throws {
        try await on(writeQueue) { try self.sendSync(bytes, deadline: TestClock.after(timeout)) }
    }

    /// Sends `text` as UTF-8.
    package func send(_ text: String, timeout: Double = defaultTimeout) async throws {
        try await send(Array(text.utf8), timeout: timeout)
    }

    /// Half-closes: the server reads end of stream, the client can still read.
    package func shutdownWrite() async {
        _ = try? await on(writeQueue) { Glibc.shutdown(self.fd, Int32(SHUT_WR)) }
    }

    /// Closes the connection (the client hangs up), once the operations in progress have ended. Idempotent.
    package func close() async {
        _ = try? await on(writeQueue) {}
        _ = try? await on(readQueue) {
            if !self.isClosed {
                self.isClosed = true
                Glibc.close(self.fd)
            }
        }
    }

    // MARK: Reading

    /// Reads one response. `forHEAD` says the request was `HEAD`, so the response has no body
    /// whatever its headers say. An interim `100 Continue` is returned like any response.
    package func readResponse(forHEAD: Bool = false, timeout: Double = defaultTimeout) async throws -> RawHTTPResponse {
        try await on(readQueue) { try self.readResponseSync(forHEAD: forHEAD, deadline: TestClock.after(timeout)) }
    }

    /// Reads only the status line and header block; read a chunked body with ``readChunk(timeout:)``.
    package func readResponseHead(timeout: Double = defaultTimeout) async throws -> RawHTTPResponse {
        try await on(readQueue) { try self.readHeadSync(deadline: TestClock.after(timeout)) }
    }

    /// Reads the next chunk of a chunked body: its data, or nil after the last chunk and the
    /// trailer section.
    package func readChunk(timeout: Double = defaultTimeout) async throws -> [UInt8]? {
        try await on(readQueue) { try self.readChunkSync(deadline: TestClock.after(timeout)).data }
    }

    /// Exactly `count` bytes, after a response head (an upgraded stream's bytes).
    package func read(_ count: Int, timeout: Double = defaultTimeout) async throws -> [UInt8] {
        try await on(readQueue) { try self.readExactly(count, deadline: TestClock.after(timeout), what: "\(count) bytes") }
    }

    /// Every byte until the server closes.
    /// - Throws: ``Failure/timedOut(_:)`` when it does not close in time.
    package func readUntilClose(timeout: Double = defaultTimeout) async throws -> [UInt8] {
        try await on(readQueue) {
            let deadline = TestClock.after(timeout)
            while !self.endOfStream {
                guard try self.fill(deadline: deadline) else { throw Failure.timedOut("the server to close") }
            }
            defer { self.received.removeAll() }
            return self.received
        }
    }

    /// Whether the server closes the connection (end of stream or reset) within `timeout`.
    /// Bytes that arrive first are kept for the next read.
    package func waitForClose(timeout: Double = defaultTimeout) async -> Bool {
        (try? await on(readQueue) {
            let deadline = TestClock.after(timeout)
            while !self.endOfStream {
                guard try self.fill(deadline: deadline) else { return false }
            }
            return true
        }) ?? true
    }

    /// Whether anything (bytes or end of stream) arrives within `timeout`; nothing is consumed.
    package func waitForData(timeout: Double) async -> Bool {
        (try? await on(readQueue) {
            if !self.received.isEmpty || self.endOfStream { return true }
            return try self.fill(deadline: TestClock.after(timeout))
        }) ?? true
    }

    /// The bytes received and not yet consumed by a read.
    package func unreadBytes() async -> [UInt8] {
        (try? await on(readQueue) { self.received }) ?? []
    }

    /// Whether the server has closed the connection, as far as the client has read.
    package var serverClosed: Bool {
        get async { (try? await on(readQueue) { self.endOfStream }) ?? true }
    }

    /// Whether the close was a reset (`ECONNRESET`) rather than an orderly end of stream.
    package var serverReset: Bool {
        get async { (try? await on(readQueue) { self.wasReset }) ?? false }
    }

    // MARK: On the queue

    private func on<T: Sendable>(_ queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    private func sendSync(_ bytes: [UInt8], deadline: UInt64) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent >= 0 {
                offset += sent
                continue
            }
            let code = errno
            switch code {
            case EINTR:
                continue
            case EAGAIN:
                guard try RawHTTPClient.poll(fd, events: Int16(POLLOUT), until: deadline) else {
                    throw Failure.timedOut("room to send (\(bytes.count - offset) bytes left)")
                }
            default:
                throw Failure.system("send", code)
            }
        }
    }

    /// Waits for input until `deadline` and appends what came; false when nothing came in time.
    /// End of stream and a reset both set `endOfStream`.
    private func fill(deadline: UInt64) throws -> Bool {
        if endOfStream { return true }
        guard try RawHTTPClient.poll(fd, events: Int16(POLLIN), until: deadline) else { return false }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received.append(contentsOf: chunk[0..<count])
                return true
            }
            if count == 0 {
                endOfStream = true
                return true
            }
            let code = errno
            switch code {
            case EINTR: continue
            case EAGAIN: return true  // a spurious wake-up; the caller loops
            case ECONNRESET:
                endOfStream = true
                wasReset = true
                return true
            default: throw Failure.system("recv", code)
            }
        }
    }

    private func readLine(deadline: UInt64, what: String) throws -> [UInt8] {
        var searched = 0
        while true {
            if let lf = received[searched...].firstIndex(of: 0x0A) {
                guard lf > 0, received[lf - 1] == 0x0D else { throw Failure.malformed("bare LF in \(what)") }
                let line = Array(received[0..<(lf - 1)])
                received.removeFirst(lf + 1)
                return line
            }
            searched = received.count
            if endOfStream { throw Failure.closedEarly(what) }
            guard try fill(deadline: deadline) else { throw Failure.timedOut(what) }
        }
    }

    private func readExactly(_ count: Int, deadline: UInt64, what: String) throws -> [UInt8] {
        while received.count < count {
            if endOfStream { throw Failure.closedEarly(what) }
            guard try fill(deadline: deadline) else { throw Failure.timedOut(what) }
        }
        let bytes = Array(received[0..<count])
        received.removeFirst(count)
        return bytes
    }

    private func readHeadSync(deadline: UInt64) throws -> RawHTTPResponse {
        let statusLine = try readLine(deadline: deadline, what: "the status line")
        var rawHead = statusLine + [0x0D, 0x0A]
        let text = String(decoding: statusLine, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]) else {
            throw Failure.malformed("status line \(text.debugDescription)")
        }
        var headers: [(name: String, value: String)] = []
        while true {
            let line = try readLine(deadline: deadline, what: "the header block")
            rawHead += line + [0x0D, 0x0A]
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
                throw Failure.malformed("header line \(String(decoding: line, as: UTF8.self).debugDescription)")
            }
            let name = String(decoding: line[..<colon], as: UTF8.self)
            let value = Substring(String(decoding: line[(colon + 1)...], as: UTF8.self)).trimmingCharacters(in: " \t")
            headers.append((name, String(value)))
        }
        var response = RawHTTPResponse(
            version: String(parts[0]), status: status, reason: parts.count > 2 ? String(parts[2]) : "",
            headers: headers, body: [], framing: .untilClose, rawHead: rawHead)
        if (100..<200).contains(status) || status == 204 || status == 304 {
            response.framing = .none
        } else if response.values("Transfer-Encoding").contains(where: { $0.lowercased().contains("chunked") }) {
            response.framing = .chunked
        } else if let length = response["Content-Length"] {
            guard let count = Int(length), count >= 0 else { throw Failure.malformed("Content-Length \(length)") }
            response.framing = .contentLength(count)
        }
        return response
    }

    private func readResponseSync(forHEAD: Bool, deadline: UInt64) throws -> RawHTTPResponse {
        var response = try readHeadSync(deadline: deadline)
        if forHEAD { return response }
        switch response.framing {
        case .none:
            break
        case .contentLength(let count):
            response.body = try readExactly(count, deadline: deadline, what: "a body of \(count) bytes")
        case .chunked:
            while true {
                let (chunk, trailers) = try readChunkSync(deadline: deadline)
                guard let chunk else {
                    response.trailers = trailers
                    break
                }
                response.chunks.append(chunk)
                response.body += chunk
            }
        case .untilClose:
            while !endOfStream {
                guard try fill(deadline: deadline) else { throw Failure.timedOut("a body delimited by close") }
            }
            response.body = received
            received.removeAll()
        }
        return response
    }

    /// One chunk's data; nil data after the last chunk, with the trailer fields.
    private func readChunkSync(deadline: UInt64) throws -> (data: [UInt8]?, trailers: [(name: String, value: String)]) {
        let sizeLine = try readLine(deadline: deadline, what: "a chunk size line")
        let sizeText = String(decoding: sizeLine, as: UTF8.self).split(separator: ";", maxSplits: 1).first ?? ""
        guard let size = Int(sizeText.trimmingCharacters(in: " \t"), radix: 16), size >= 0 else {
            throw Failure.malformed("chunk size line \(String(decoding: sizeLine, as: UTF8.self).debugDescription)")
        }
        if size == 0 {
            var trailers: [(name: String, value: String)] = []
            while true {
                let line = try readLine(deadline: deadline, what: "the trailer section")
                if line.isEmpty { return (nil, trailers) }
                if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                    let name = String(decoding: line[..<colon], as: UTF8.self)
                    let value = String(decoding: line[(colon + 1)...], as: UTF8.self)
                    trailers.append((name, String(Substring(value).trimmingCharacters(in: " \t"))))
                }
            }
        }
        let data = try readExactly(size, deadline: deadline, what: "chunk data")
        guard try readLine(deadline: deadline, what: "the CRLF after chunk data").isEmpty else {
            throw Failure.malformed("chunk data longer than its size")
        }
        return (data, [])
    }

    /// `poll(2)` for `events` until `deadline`; false on timeout.
    private static func poll(_ fd: Int32, events: Int16, until deadline: UInt64) throws -> Bool {
        while true {
            let now = TestClock.now
            let remaining = deadline > now ? deadline - now : 0
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let result = Glibc.poll(&entry, 1, Int32(clamping: (remaining + 999_999) / 1_000_000))
            if result > 0 { return true }
            if result == 0 { return false }
            if errno != EINTR { throw Failure.system("poll", errno) }
        }
    }
}

/// Monotonic nanoseconds, kept apart from WharfIO's `Deadline` so the client does not depend on the code under test.
package enum TestClock {
    package static var now: UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    package static func after(_ seconds: Double) -> UInt64 { now + UInt64(max(0, seconds) * 1e9) }

    /// Seconds elapsed since `start` (a value of ``now``).
    package static func seconds(since start: UInt64) -> Double { Double(now - start) / 1e9 }
}
