internal import COpenSSL

/// SHA-256 (FIPS 180-4) through OpenSSL's EVP interface.
package enum SHA256 {
    package static let byteCount = 32

    /// The digest of `bytes`.
    package static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    package static func hash(_ text: String) -> [UInt8] { hash(Array(text.utf8)) }

    /// The digest as lowercase hex.
    package static func hex(_ bytes: [UInt8]) -> String { Hex.encode(hash(bytes)) }

    /// An incremental SHA-256 (`EVP_DigestInit_ex`/`Update`/`Final_ex`), for data that arrives in pieces.
    package struct Hasher: ~Copyable {
        private let context: OpaquePointer

        package init() {
            // EVP_MD_CTX_new only fails when memory is exhausted.
            guard let context = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new failed") }
            precondition(EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1, "EVP_DigestInit_ex(sha256) failed")
            self.context = context
        }

        deinit { EVP_MD_CTX_free(context) }

        package mutating func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { raw in _ = EVP_DigestUpdate(context, raw.baseAddress, raw.count) }
        }

        package mutating func update(_ raw: UnsafeRawBufferPointer) {
            _ = EVP_DigestUpdate(context, raw.baseAddress, raw.count)
        }

        package consuming func finalize() -> [UInt8] {
            var digest = [UInt8](repeating: 0, count: SHA256.byteCount)
            var length: UInt32 = 0
            digest.withUnsafeMutableBufferPointer { _ = EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
            return digest
        }
    }
}

/// HMAC (RFC 2104) with SHA-256 or SHA-1 (TOTP's hash, RFC 6238).
package enum HMAC {
    package static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] { mac(EVP_sha256(), 32, key, message) }
    package static func sha1(key: [UInt8], message: [UInt8]) -> [UInt8] { mac(EVP_sha1(), 20, key, message) }

    private static func mac(_ digest: OpaquePointer?, _ size: Int, _ key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBytes { messageBytes in
                out.withUnsafeMutableBufferPointer { outBytes in
                    COpenSSL.HMAC(
                        digest, keyBytes.baseAddress, Int32(keyBytes.count),
                        messageBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), messageBytes.count,
                        outBytes.baseAddress, &length)
                }
            }
        }
        precondition(result != nil && Int(length) == size, "HMAC failed: \(OpenSSLErrorQueue.drain())")
        return out
    }
}

/// Comparison in time independent of where the inputs differ (`CRYPTO_memcmp`), for secrets.
package func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return a.withUnsafeBytes { left in b.withUnsafeBytes { right in CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count) == 0 } }
}
