internal import COpenSSL
internal import Glibc

/// A BIO that moves TLS records over a non-blocking socket with `recv(2)` and
/// `send(2, MSG_NOSIGNAL)`.
///
/// OpenSSL's own socket BIO (`SSL_set_fd`) writes with `write(2)`, which raises SIGPIPE when the
/// peer has gone: a library must not depend on the application ignoring that signal. `EAGAIN`
/// sets the retry flags, so `SSL_get_error` answers `WANT_READ`/`WANT_WRITE`; any other failure
/// leaves `errno` for `SSL_ERROR_SYSCALL`. The BIO never closes the descriptor: the ``Socket`` owns it.
enum SocketBIO {
    /// A new BIO on `fd`; the caller hands it to `SSL_set_bio`, which takes ownership.
    static func make(fd: Int32) -> OpaquePointer? {
        guard let bio = BIO_new(method.pointer) else { return nil }
        // The descriptor itself is the BIO's data (plus one, so that fd 0 is not a null pointer).
        BIO_set_data(bio, UnsafeMutableRawPointer(bitPattern: Int(fd) + 1))
        BIO_set_init(bio, 1)
        return bio
    }

    private static func descriptor(_ bio: OpaquePointer?) -> Int32 {
        guard let bio, let data = BIO_get_data(bio) else { return -1 }
        return Int32(Int(bitPattern: data) - 1)
    }

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
            BIO_meth_set_destroy(method, { _ in 1 })
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
        guard let bio else { return -1 }
        COpenSSL_BIO_clear_retry_flags(bio)
        while true {
            let count = Glibc.send(descriptor(bio), buffer, Int(length), Int32(MSG_NOSIGNAL))
            if count >= 0 { return Int32(count) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                COpenSSL_BIO_set_retry_write(bio)
                return -1
            default: return -1
            }
        }
    }

    /// Only `BIO_CTRL_FLUSH` matters (nothing is buffered, so it succeeds); the rest are unsupported.
    private static let control: @convention(c) (OpaquePointer?, Int32, Int, UnsafeMutableRawPointer?) -> Int = {
        _, command, _, _ in
        command == BIO_CTRL_FLUSH ? 1 : 0
    }
}
