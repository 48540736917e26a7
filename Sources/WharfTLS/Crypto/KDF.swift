internal import COpenSSL

/// Password-based key derivation, for password hashes.
package enum KDF {
    /// scrypt (RFC 7914) with cost `n` (a power of two), block size `r` and parallelism `p`
    /// (`EVP_PBE_scrypt`). Memory used is about 128·n·r bytes; the limit given to OpenSSL allows that.
    package static func scrypt(
        password: [UInt8], salt: [UInt8], n: UInt64, r: UInt64, p: UInt64, length: Int
    ) throws(CryptoError) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        var out = [UInt8](repeating: 0, count: length)
        let maxMemory = 128 * n * r * p + 16 * 1024 * 1024
        let status = out.withUnsafeMutableBufferPointer { key in
            password.withUnsafeBytes { pass in
                EVP_PBE_scrypt(
                    pass.baseAddress?.assumingMemoryBound(to: CChar.self), pass.count, salt, salt.count,
                    n, r, p, maxMemory, key.baseAddress, key.count)
            }
        }
        guard status == 1 else { throw CryptoError("scrypt") }
        return out
    }

    /// PBKDF2-HMAC-SHA256 (RFC 8018) with `iterations` rounds (`PKCS5_PBKDF2_HMAC`).
    package static func pbkdf2SHA256(
        password: [UInt8], salt: [UInt8], iterations: Int, length: Int
    ) throws(CryptoError) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        var out = [UInt8](repeating: 0, count: length)
        let status = out.withUnsafeMutableBufferPointer { key in
            password.withUnsafeBytes { pass in
                PKCS5_PBKDF2_HMAC(
                    pass.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(pass.count), salt, Int32(salt.count),
                    Int32(iterations), EVP_sha256(), Int32(length), key.baseAddress)
            }
        }
        guard status == 1 else { throw CryptoError("PBKDF2") }
        return out
    }
}
