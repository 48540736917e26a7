internal import COpenSSL
internal import Glibc

/// A BIO that moves TLS records over a non-blocking socket with `recv(2)` and
/// `send(2, MSG_NOSIGNAL)`.
///
/// OpenSSL's own socket BIO (`SSL_set_fd`) writes with `write(2)`, which raises SIGPIPE when the
/// peer has gone: a library must not depend on the application ignoring that signal. `EAGAIN`
/// sets the retry flags, so `SSL_get_error` answers `WANT_READ`/`WANT_WRITE`; any other failure
/// leaves `errno` for `SSL_ERROR_SYSCALL`. The BIO never closes the descriptor: the ``Socket`` owns it.
///
/// **Records of one write go out together.** OpenSSL hands the BIO one record (at most 16 KiB
/// of data) at a time: a 32 KiB chunk of a build context with its chunk framing is three records,
/// and was three `send` calls, the last of a few bytes. While a connection's `SSL_write` of more
/// than one record runs ``cork(_:expecting:)``, records are gathered (up to ``gatherLimit``) and
/// the writer sends them with ``flush(_:)`` once `SSL_write` returns: one `send` per write. The
/// buffer is allocated for the write and released after it, so an idle connection holds none; a
/// write of one record is sent as it comes, with no copy. Whatever is written while gathered
/// records wait (an alert from a concurrent read) joins them, in order. Every call happens under
/// the connection's lock, as the `SSL` calls do.
enum SocketBIO {
    /// A new BIO on `fd`; the caller hands it to `SSL_set_bio`, which takes ownership (and frees
    /// the BIO's state with it).
    static func make(fd: Int32) -> OpaquePointer? {
        guard let bio = BIO_new(method.pointer) else { return nil }
        BIO_set_data(bio, Unmanaged.passRetained(State(fd: fd)).toOpaque())
        BIO_set_init(bio, 1)
        return bio
    }

    /// At most this many bytes of records are gathered before they are sent.
    static let gatherLimit = 256 * 1024

    /// What a flush came to.
    enum Flush: Equatable {
        /// Everything gathered is sent.
        case done
        /// The socket is full: wait until it is writable and flush again.
        case wouldBlock
        /// `send` failed with this `errno`.
        case failed(Int32)
    }

    /// The most plaintext one record carries.
    static let recordSize = 16 * 1024

    /// From now on, records written to `ssl`'s BIO are gathered instead of sent, with room made
    /// for an `SSL_write` of `bytes` (its records' headers and tags included).
    static func cork(_ ssl: OpaquePointer, expecting bytes: Int) {
        guard let state = state(SSL_get_wbio(ssl)) else { return }
        state.corked = true
        state.pending.reserveCapacity(min(bytes + (bytes / recordSize + 1) * 64, gatherLimit))
    }

    /// Records are sent as they come again (those gathered wait for ``flush(_:)``).
    static func uncork(_ ssl: OpaquePointer) {
        state(SSL_get_wbio(ssl))?.corked = false
    }

    /// Sends the gathered records of `ssl`'s BIO, as far as the socket takes them; once all are
    /// sent, the buffer is released.
    static func flush(_ ssl: OpaquePointer) -> Flush {
        state(SSL_get_wbio(ssl))?.flush(release: true) ?? .done
    }

    /// The bytes the gathering buffer holds room for (for tests: none between writes).
    static func bufferCapacity(_ ssl: OpaquePointer) -> Int {
        state(SSL_get_wbio(ssl))?.pending.capacity ?? 0
    }

    /// How many `send` calls wrote records so far (for tests).
    static func sends(_ ssl: OpaquePointer) -> Int {
        state(SSL_get_wbio(ssl))?.sends ?? 0
    }

    /// A BIO's socket and the records gathered for it, from `sent` on.
    private final class State {
        let fd: Int32
        var corked = false
        var pending: [UInt8] = []
        var sent = 0
        var sends = 0

        init(fd: Int32) { self.fd = fd }

        var pendingCount: Int { pending.count - sent }

        /// Sends what is gathered; `release` frees the buffer once it is empty, else (a flush
        /// in the middle of a write that gathered `gatherLimit`) it is kept for the rest.
        func flush(release: Bool) -> Flush {
            while pendingCount > 0 {
                let count = pending.withUnsafeBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return 0 }
                    return Glibc.send(fd, base + sent, pendingCount, Int32(MSG_NOSIGNAL))
                }
                if count >= 0 {
                    sent += count
                    sends += 1
                    continue
                }
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK: return .wouldBlock
                default: return .failed(errno)
                }
            }
            pending.removeAll(keepingCapacity: !release)
            sent = 0
            return .done
        }
    }

    private static func state(_ bio: OpaquePointer?) -> State? {
        guard let bio, let data = BIO_get_data(bio) else { return nil }
        return Unmanaged<State>.fromOpaque(data).takeUnretainedValue()
    }

    private static func descriptor(_ bio: OpaquePointer?) -> Int32 { state(bio)?.fd ?? -1 }

    /// The `BIO_METHOD`, built once.
    private static let method = Method()

    /// Wraps the `BIO_METHOD*`. `@unchecked Sendable`: it is filled in once, in `init`, and
    /// OpenSSL only reads it afterwards, from any thread.
    private final class Method: @unchecked Sendable {
        let pointer: OpaquePointer

        init() {
            let type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK
            guard let method = BIO_meth_new(type, "wharf socket") else {
                preconditionFailure("BIO_meth_new failed: out of memory")
            }
            BIO_meth_set_read(method, SocketBIO.read)
            BIO_meth_set_write(method, SocketBIO.write)
            BIO_meth_set_ctrl(method, SocketBIO.control)
            BIO_meth_set_create(method, { _ in 1 })
            BIO_meth_set_destroy(method) { bio in
                guard let bio, let data = BIO_get_data(bio) else { return 1 }
                Unmanaged<State>.fromOpaque(data).release()
                BIO_set_data(bio, nil)
                return 1
            }
            pointer = method
        }
    }

    private static let read: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int32) -> Int32 = {
        bio, buffer, length in
        guard let bio else { return -1 }
        COpenSSL_BIO_clear_retry_flags(bio)
        while true {
            let count = Glibc.recv(descriptor(bio), buffer, Int(length), 0)
            if count >= 0 { return Int32(count) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                COpenSSL_BIO_set_retry_read(bio)
                return -1
            default: return -1
            }
        }
    }

    private static let write: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
        bio, buffer, length in
        guard let bio, let state = state(bio), let buffer else { return -1 }
        COpenSSL_BIO_clear_retry_flags(bio)
        if state.corked || state.pendingCount > 0 {
            if state.pendingCount + Int(length) > gatherLimit {
                switch state.flush(release: false) {
                case .done: break
                case .wouldBlock:
                    COpenSSL_BIO_set_retry_write(bio)
                    return -1
                case .failed(let code):
                    errno = code
                    return -1
                }
            }
            if state.corked || state.pendingCount > 0 {
                state.pending.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: Int(length)))
                return length
            }
        }
        while true {
            let count = Glibc.send(state.fd, buffer, Int(length), Int32(MSG_NOSIGNAL))
            if count >= 0 {
                state.sends += 1
                return Int32(count)
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                COpenSSL_BIO_set_retry_write(bio)
                return -1
            default: return -1
            }
        }
    }

    /// Only `BIO_CTRL_FLUSH` matters: it succeeds, gathered records being the writer's to send
    /// (``flush(_:)``, right after its `SSL_write`); the rest are unsupported.
    private static let control: @convention(c) (OpaquePointer?, Int32, Int, UnsafeMutableRawPointer?) -> Int = {
        _, command, _, _ in
        command == BIO_CTRL_FLUSH ? 1 : 0
    }
}
