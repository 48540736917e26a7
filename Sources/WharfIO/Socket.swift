import CShims
import Glibc
import Synchronization

/// A non-blocking stream socket registered with an ``EventLoop``.
///
/// Created with `SOCK_NONBLOCK | SOCK_CLOEXEC` (accepted ones with `accept4`), written with
/// `MSG_NOSIGNAL`. The `async` operations try the system call first and only suspend on `EAGAIN`,
/// so a socket that is ready costs no wait at all.
///
/// One owner at a time (a connection moves from the accepting loop to its task, and from task to
/// task when it parks); `close()` is idempotent and guarded by an atomic, which is what makes the
/// `@unchecked Sendable` safe. Debug builds assert in `deinit` that it was closed.
package final class Socket: @unchecked Sendable {
    package let fd: Int32
    package let readiness: Readiness
    package var loop: EventLoop { readiness.loop }
    private let closed = Atomic<Bool>(false)

    /// Adopts an open non-blocking descriptor and registers it with `loop`. Closes it if that fails.
    package init(adopting fd: Int32, loop: EventLoop) throws(SystemError) {
        self.fd = fd
        do {
            readiness = try loop.register(fd: fd)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    deinit {
        assert(closed.load(ordering: .relaxed), "socket \(fd) deallocated without close()")
        if !closed.load(ordering: .relaxed) { Glibc.close(fd) }
    }

    /// Whether ``close()`` was called.
    package var isClosed: Bool { closed.load(ordering: .relaxed) }

    /// Closes the descriptor once; waiters fail with ``IOError/closed``. Not retried on `EINTR`.
    package func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        loop.deregister(readiness)
        Glibc.close(fd)
    }

    // MARK: Creating

    /// A new non-blocking socket of `family`.
    static func makeDescriptor(_ family: SocketAddress.Family) throws(SystemError) -> Int32 {
        let domain: Int32 = switch family {
        case .ipv4: AF_INET
        case .ipv6: AF_INET6
        case .unix: AF_UNIX
        }
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        return try syscallBlocking("socket") { Glibc.socket(domain, type, 0) }
    }

    /// A listening socket bound to `address`. IPv6 listeners are IPv6-only so that `[::]` and
    /// `0.0.0.0` can be bound side by side. `reusePort` lets several loops each own a listener on
    /// one port (`SO_REUSEPORT`), the kernel spreading connections among them.
    package static func listen(
        on address: SocketAddress, backlog: Int32 = 1024, reusePort: Bool = false, loop: EventLoop
    ) throws -> Socket {
        let fd = try makeDescriptor(address.family)
        do {
            if address.family != .unix {
                try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
                if reusePort { try setOption(fd, SOL_SOCKET, cshims_so_reuseport(), 1) }
                if address.family == .ipv6 { try setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1) }
            }
            _ = try address.withSockAddr { pointer, length throws(SystemError) in
                try syscallBlocking("bind \(address)") { Glibc.bind(fd, pointer, length) }
            }
            _ = try syscallBlocking("listen") { Glibc.listen(fd, backlog) }
        } catch {
            Glibc.close(fd)
            throw error
        }
        return try Socket(adopting: fd, loop: loop)
    }

    /// Connects to `address`, waiting for the non-blocking connect to finish before `deadline`.
    /// A descriptor numbered at or past `descriptorCeiling` (``DescriptorBudget/connectCeiling``;
    /// other values are for tests) is closed at once and the connect fails with `EMFILE`, leaving
    /// the rest to the process's own files.
    /// - Throws: ``SystemError`` (e.g. `ECONNREFUSED`), ``IOError/timedOut(_:)`` with phase "connect".
    package static func connect(
        to address: SocketAddress, loop: EventLoop, deadline: Deadline? = nil,
        descriptorCeiling: Int = DescriptorBudget.connectCeiling
    ) async throws -> Socket {
        // connect() runs before the descriptor joins epoll: an unconnected TCP socket reports
        // EPOLLHUP, which would mark a connection that is about to succeed as hung up.
        let fd = try makeDescriptor(address.family)
        if Int(fd) >= descriptorCeiling {
            Glibc.close(fd)
            throw SystemError(
                code: EMFILE, operation: "connect \(address) (descriptors from \(descriptorCeiling) on are kept for the process's own files)")
        }
        if address.family != .unix {
            do { try Socket.setOption(fd, Int32(IPPROTO_TCP), cshims_tcp_nodelay(), 1) } catch {
                Glibc.close(fd)
                throw error
            }
        }
        let result = address.withSockAddr { pointer, length in Glibc.connect(fd, pointer, length) }
        let code = result == 0 ? 0 : errno
        let socket = try Socket(adopting: fd, loop: loop)
        do {
            if result != 0 {
                guard code == EINPROGRESS || code == EINTR || code == EAGAIN else {
                    throw SystemError(code: code, operation: "connect \(address)")
                }
                do {
                    try await socket.readiness.wait(.write, deadline: deadline)
                } catch IOError.timedOut {
                    throw IOError.timedOut("connect")
                }
                let pending = try socket.socketError()
                if pending != 0 { throw SystemError(code: pending, operation: "connect \(address)") }
            }
            return socket
        } catch {
            socket.close()
            throw error
        }
    }

    // MARK: Accepting

    /// Accepts one pending connection with `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)`; nil when none is
    /// pending. `EMFILE`, `ENFILE`, `ENOBUFS` and `ENOMEM` are thrown so the caller can back off;
    /// `ECONNABORTED` (the peer gave up while queued) is skipped.
    package func accept() throws(SystemError) -> (fd: Int32, peer: SocketAddress)? {
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let flags = Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            let result = try withUnsafeMutablePointer(to: &storage) { pointer throws(SystemError) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw throws(SystemError) in
                    try syscall("accept4") { cshims_accept4(fd, raw, &length, flags) }
                }
            }
            switch result {
            case .wouldBlock:
                return nil
            case .done(let client):
                return (client, SocketAddress(storage: storage, length: length))
            }
        }
    }

    // MARK: Reading and writing

    /// One `recv(2)`: bytes read (0 at end of stream), or `.wouldBlock`.
    package func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try syscall("recv") { Glibc.recv(fd, buffer.baseAddress, buffer.count, 0) }
    }

    /// One `send(2)` with `MSG_NOSIGNAL`: bytes written, or `.wouldBlock`.
    package func send(_ bytes: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try syscall("send") { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// One `recv(2)` into the free space of `buffer` (making room for `chunk` bytes first).
    package func receive(into buffer: ByteBuffer, chunk: Int = 16 * 1024) throws(SystemError) -> IOResult<Int> {
        buffer.reserveWritable(chunk)
        var result = IOResult<Int>.wouldBlock
        _ = try buffer.writeWithUnsafeBytes { raw throws(SystemError) -> Int in
            result = try receive(into: raw)
            if case .done(let count) = result { return count }
            return 0
        }
        return result
    }

    /// Reads into `buffer` (at least `chunk` bytes of room), waiting for data if there is none yet.
    /// - Returns: the number of bytes read, 0 at end of stream.
    package func read(into buffer: ByteBuffer, chunk: Int = 16 * 1024, deadline: Deadline? = nil) async throws -> Int {
        while true {
            if case .done(let count) = try receive(into: buffer, chunk: chunk) { return count }
            try await readiness.wait(.read, deadline: deadline)
        }
    }

    /// Writes all of `bytes`, waiting for room as needed.
    package func write(_ bytes: [UInt8], deadline: Deadline? = nil) async throws {
        var offset = 0
        while true {
            offset += try bytes.withUnsafeBytes { raw throws(SystemError) -> Int in
                try sendSome(UnsafeRawBufferPointer(rebasing: raw[offset...]))
            }
            if offset >= bytes.count { return }
            try await readiness.wait(.write, deadline: deadline)
        }
    }

    /// Writes `head`, `body` and `tail` with gathered sends (`sendmsg(2)`), waiting for room as needed.
    package func write(_ head: [UInt8], _ body: [UInt8], _ tail: [UInt8], deadline: Deadline? = nil) async throws {
        let total = head.count + body.count + tail.count
        var offset = 0
        while true {
            let done = offset
            offset += try head.withUnsafeBytes { h in
                try body.withUnsafeBytes { b in
                    try tail.withUnsafeBytes { t in try sendSome([h, b, t], from: done) }
                }
            }
            if offset >= total { return }
            try await readiness.wait(.write, deadline: deadline)
        }
    }

    /// Sends the bytes of `pieces` from `offset` on (counted across them) as far as the socket
    /// takes them now; returns how many it took (0 when it would block).
    func sendSome(_ pieces: [UnsafeRawBufferPointer], from offset: Int) throws(SystemError) -> Int {
        var sent = 0
        while true {
            var skip = offset + sent
            var vectors: [iovec] = []
            vectors.reserveCapacity(pieces.count)
            for piece in pieces {
                if skip >= piece.count {
                    skip -= piece.count
                    continue
                }
                guard let base = piece.baseAddress else { continue }
                vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: base + skip), iov_len: piece.count - skip))
                skip = 0
            }
            if vectors.isEmpty { return sent }
            let result = try vectors.withUnsafeMutableBufferPointer { buffer throws(SystemError) -> IOResult<Int> in
                var message = msghdr()
                message.msg_iov = buffer.baseAddress
                message.msg_iovlen = buffer.count
                return try syscall("sendmsg") { Glibc.sendmsg(fd, &message, Int32(MSG_NOSIGNAL)) }
            }
            switch result {
            case .done(let count): sent += count
            case .wouldBlock: return sent
            }
        }
    }

    /// Sends as much as the socket takes now, without waiting; 0 when it would block.
    package func sendSome(_ raw: UnsafeRawBufferPointer) throws(SystemError) -> Int {
        var offset = 0
        while offset < raw.count {
            switch try send(UnsafeRawBufferPointer(rebasing: raw[offset...])) {
            case .done(let count): offset += count
            case .wouldBlock: return offset
            }
        }
        return offset
    }

    /// Half-closes the sending side (`shutdown(SHUT_WR)`).
    package func shutdownWrite() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Shuts down both directions (`shutdown(SHUT_RDWR)`) without releasing the descriptor: the
    /// owner's pending and future reads and writes fail or see end of stream, and the owner closes
    /// it. Safe to call from another task, unlike ``close()``, which could let the number be reused
    /// under a read in flight.
    package func shutdownBoth() {
        if !isClosed { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    // MARK: Options and addresses

    private static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(SystemError) {
        var value = value
        _ = try syscallBlocking("setsockopt") {
            Glibc.setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// Sets `SO_SNDBUF` to `bytes` (the kernel doubles it, and caps it at `net.core.wmem_max`).
    /// On TCP this turns off the kernel's own sizing of the buffer: use it on Unix sockets.
    package func setSendBuffer(_ bytes: Int32) throws(SystemError) {
        try Socket.setOption(fd, SOL_SOCKET, SO_SNDBUF, bytes)
    }

    /// The send buffer's size as the kernel keeps it (`SO_SNDBUF`).
    package func sendBufferSize() throws(SystemError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try syscallBlocking("getsockopt(SO_SNDBUF)") { Glibc.getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, &length) }
        return value
    }

    /// Sets `TCP_NODELAY`, so a response written in one piece leaves at once (no Nagle/delayed-ACK stall).
    package func setNoDelay() throws(SystemError) {
        try Socket.setOption(fd, Int32(IPPROTO_TCP), cshims_tcp_nodelay(), 1)
    }

    /// The pending error (`SO_ERROR`), 0 when none.
    package func socketError() throws(SystemError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try syscallBlocking("getsockopt(SO_ERROR)") { Glibc.getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) }
        return value
    }

    /// The bound local address (`getsockname`), e.g. to learn the port after binding port 0.
    package func localAddress() throws(SystemError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { pointer throws(SystemError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw throws(SystemError) in
                try syscallBlocking("getsockname") { Glibc.getsockname(fd, raw, &length) }
            }
        }
        return SocketAddress(storage: storage, length: length)
    }
}
