import Glibc

/// An exclusive lock on a data directory (`flock` on its `wharf.lock`), held by `wharf serve`
/// for as long as it runs and by `wharf restore` while it puts files in place, so a restore never
/// replaces a running server's database and two servers never share one directory.
///
/// The kernel releases it when the process ends, however it ends (a SIGKILL leaves no stale lock).
/// The administration commands do not take it: they run beside the server through SQLite's locks.
package final class DataDirectoryLock: Sendable {
    package static let fileName = "wharf.lock"
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Takes the lock on `directory`, which must exist.
    /// - Throws: ``DataDirectoryLockError/inUse(_:)`` when another process holds it.
    package static func acquire(_ directory: String) throws(DataDirectoryLockError) -> DataDirectoryLock {
        let path = directory + "/" + fileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotOpen(path, String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw .inUse(directory) }
            throw .cannotOpen(path, String(cString: strerror(code)))
        }
        return DataDirectoryLock(fd: fd)
    }

    deinit { close(fd) }
}

package enum DataDirectoryLockError: Error, Equatable, CustomStringConvertible {
    case inUse(String)
    case cannotOpen(String, String)

    package var description: String {
        switch self {
        case .inUse(let directory):
            "another Wharf server is running with the data directory \(directory); stop it first"
        case .cannotOpen(let path, let reason): "cannot lock \(path): \(reason)"
        }
    }
}
