import Glibc

/// A failed system call: the raw `errno` and the operation that produced it.
///
/// Environment failures carry the raw code so callers can match on it (`error.code == ECONNREFUSED`)
/// and logs can show both the code and the text `strerror(3)` gives for it.
package struct SystemError: Error, Equatable, CustomStringConvertible {
    /// The `errno` value.
    package let code: Int32
    /// What was being done, e.g. `"connect"` or `"accept4"`.
    package let operation: String

    package init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// `ECONNREFUSED`, `ECONNRESET`, `EPIPE`… for the common cases callers test.
    package var isConnectionRefused: Bool { code == ECONNREFUSED }
    package var isConnectionReset: Bool { code == ECONNRESET || code == EPIPE }

    package var description: String {
        "\(operation): \(String(cString: strerror(code))) (errno \(code))"
    }
}

/// Failures of the socket layer that are not a single `errno`.
package enum IOError: Error, Equatable, CustomStringConvertible {
    /// A wait did not complete before its deadline. The payload names the phase ("read", "write", "connect").
    case timedOut(String)
    /// The socket was closed while a task was waiting on it.
    case closed
    /// A Unix socket path does not fit in `sockaddr_un.sun_path` (108 bytes); it is never truncated.
    case pathTooLong(String)
    /// An address string that is not a numeric IPv4/IPv6 address with a port, nor a resolvable name.
    case invalidAddress(String)

    package var description: String {
        switch self {
        case .timedOut(let phase): "timed out during \(phase)"
        case .closed: "socket closed"
        case .pathTooLong(let path): "unix socket path is longer than 107 bytes: \(path)"
        case .invalidAddress(let text): "not a valid address: \(text)"
        }
    }
}
