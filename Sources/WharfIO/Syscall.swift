import Glibc

/// The result of a non-blocking system call: either it completed, or it would have blocked (`EAGAIN`).
package enum IOResult<Value> {
    case done(Value)
    case wouldBlock
}

extension IOResult: Sendable where Value: Sendable {}

/// The one funnel every system call goes through.
///
/// Reads `errno` immediately, retries `EINTR`, turns `EAGAIN`/`EWOULDBLOCK` into `.wouldBlock`,
/// treats `EBADF` and `EFAULT` as caller bugs (a closed or invalid descriptor, a bad pointer),
/// and throws every other code as a ``SystemError``. `close(2)` must not go through here: it is
/// never retried on `EINTR` (Linux releases the descriptor even when it reports `EINTR`).
@inline(__always)
package func syscall<T: FixedWidthInteger>(
    _ operation: @autoclosure () -> String, _ call: () -> T
) throws(SystemError) -> IOResult<T> {
    while true {
        let result = call()
        if result != -1 { return .done(result) }
        let code = errno
        switch code {
        case EINTR: continue
        case EAGAIN, EWOULDBLOCK: return .wouldBlock
        case EBADF, EFAULT: preconditionFailure("\(operation()): errno \(code) is a caller bug")
        default: throw SystemError(code: code, operation: operation())
        }
    }
}

/// Like ``syscall(_:_:)`` for calls that never return `EAGAIN` (socket, bind, listen, setsockopt…).
@inline(__always)
package func syscallBlocking<T: FixedWidthInteger>(
    _ operation: @autoclosure () -> String, _ call: () -> T
) throws(SystemError) -> T {
    switch try syscall(operation(), call) {
    case .done(let value): return value
    case .wouldBlock: throw SystemError(code: EAGAIN, operation: operation())
    }
}
