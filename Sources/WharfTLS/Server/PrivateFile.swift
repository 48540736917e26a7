internal import Glibc

/// Files only their owner may read: keys, certificates' keys, a restored `secret.key`.
package enum PrivateFile {
    /// Writes `bytes` to `path` with mode 0600 through a temporary file renamed over it, so a
    /// crash never leaves half a key.
    package static func write(_ path: String, _ bytes: [UInt8]) throws(TLSError) {
        let temporary = path + ".new"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .unreadableFile(path: temporary, reason: "cannot create: " + String(cString: strerror(errno))) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .unreadableFile(path: path, reason: "cannot write: " + reason)
        }
    }
}
