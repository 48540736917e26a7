import Glibc
import WharfTLS

/// The key that encrypts secrets at rest (TLS client keys, later registry passwords): 32 random
/// bytes in `secret.key` in the data directory, created on first run with mode 0600.
///
/// Secrets are sealed with AES-256-GCM; the associated data names what the secret is for (e.g.
/// `host:7:tls-key`), so a sealed value copied to another row or column does not open.
package struct SecretKey: Sendable {
    package static let fileName = "secret.key"

    private let key: [UInt8]

    package init(bytes: [UInt8]) throws(SecretKeyError) {
        guard bytes.count == AESGCM.keyByteCount else { throw .wrongSize(bytes.count) }
        key = bytes
    }

    /// Loads `<dataDirectory>/secret.key`, creating it (O_EXCL, mode 0600) when it does not exist.
    /// A key file that others may read, or of the wrong size, stops start-up with what to do.
    package static func loadOrCreate(dataDirectory: String) throws(SecretKeyError) -> SecretKey {
        let path = dataDirectory + "/" + fileName
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            let bytes = SecureRandom.bytes(AESGCM.keyByteCount)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            let synced = fsync(fd) == 0
            close(fd)
            guard written == bytes.count, synced else {
                unlink(path)
                throw .cannotWrite(path, String(cString: strerror(errno)))
            }
            return try SecretKey(bytes: bytes)
        }
        guard errno == EEXIST else { throw .cannotWrite(path, String(cString: strerror(errno))) }
        return try load(path: path)
    }

    static func load(path: String) throws(SecretKeyError) -> SecretKey {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotRead(path, String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotRead(path, String(cString: strerror(errno))) }
        guard info.st_mode & 0o077 == 0 else { throw .readableByOthers(path) }
        var bytes = [UInt8](repeating: 0, count: AESGCM.keyByteCount + 1)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count == AESGCM.keyByteCount else { throw .wrongSize(max(count, 0)) }
        return try SecretKey(bytes: Array(bytes.prefix(AESGCM.keyByteCount)))
    }

    /// A 32-byte key for one purpose (`recovery-codes`, `audit-chain`), derived from this one with
    /// HMAC-SHA-256, so each use has its own key and none of them is kept in the database.
    package func derivedKey(for purpose: String) -> [UInt8] {
        HMAC.sha256(key: key, message: Array(("wharf derived key\u{0}" + purpose).utf8))
    }
    /// The key's bytes, for `wharf restore` to install the key file beside a restored database.
    var exportedBytes: [UInt8] { key }

    /// Encrypts `plaintext` for the purpose `label` (nonce ‖ ciphertext ‖ tag).
    package func seal(_ plaintext: [UInt8], label: String) throws -> [UInt8] {
        try AESGCM.seal(plaintext, key: key, associatedData: Array(label.utf8))
    }

    /// Decrypts a value sealed for `label`.
    /// - Throws: ``SecretKeyError/cannotOpen(_:)`` when the value was changed, sealed for another
    ///   purpose, or sealed under another key (the data directory's `secret.key` was replaced).
    package func open(_ box: [UInt8], label: String) throws(SecretKeyError) -> [UInt8] {
        do {
            return try AESGCM.open(box, key: key, associatedData: Array(label.utf8))
        } catch {
            throw .cannotOpen(label)
        }
    }
}

package enum SecretKeyError: Error, Equatable, CustomStringConvertible {
    case wrongSize(Int)
    case readableByOthers(String)
    case cannotRead(String, String)
    case cannotWrite(String, String)
    case cannotOpen(String)

    package var description: String {
        switch self {
        case .wrongSize(let count):
            "the secret key file holds \(count) bytes, not \(AESGCM.keyByteCount); restore it from a backup of the data directory"
        case .readableByOthers(let path):
            "\(path) may be read by other users; run `chmod 600 \(path)` (and consider the secrets it protects exposed)"
        case .cannotRead(let path, let reason): "cannot read \(path): \(reason)"
        case .cannotWrite(let path, let reason): "cannot create \(path): \(reason)"
        case .cannotOpen(let label):
            "the secret \(label) does not decrypt: it was changed, or secret.key is not the key it was sealed with"
        }
    }
}
