internal import COpenSSL

/// AES-256-GCM authenticated encryption, for secrets at rest (TLS client keys, registry passwords).
///
/// A sealed box is `nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`. Each seal draws a fresh random
/// nonce; with 96-bit random nonces a key is good for far more messages than Wharf will ever seal.
/// `associatedData` binds the box to its context (e.g. "host:7:client-key"), so a box moved to
/// another row does not open.
package enum AESGCM {
    package static let keyByteCount = 32
    static let nonceByteCount = 12
    static let tagByteCount = 16

    /// Why a box did not open.
    package enum OpenError: Error, Equatable, CustomStringConvertible {
        /// Too short to hold a nonce and a tag.
        case malformed
        /// The tag did not verify: wrong key, wrong associated data, or a modified box.
        case authenticationFailed

        package var description: String {
            switch self {
            case .malformed: "the encrypted value is malformed"
            case .authenticationFailed: "the encrypted value does not verify (wrong key or altered data)"
            }
        }
    }

    /// Encrypts and authenticates `plaintext`.
    package static func seal(_ plaintext: [UInt8], key: [UInt8], associatedData: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        precondition(key.count == keyByteCount, "AES-256-GCM needs a 32-byte key")
        OpenSSLErrorQueue.clear()
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(context) }
        let nonce = SecureRandom.bytes(nonceByteCount)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        var tag = [UInt8](repeating: 0, count: tagByteCount)
        var length: Int32 = 0
        var total = 0
        guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, key, nonce) == 1 else { throw CryptoError("AES-256-GCM init") }
        if !associatedData.isEmpty {
            guard EVP_EncryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1 else {
                throw CryptoError("AES-256-GCM associated data")
            }
        }
        if !plaintext.isEmpty {
            let ok = ciphertext.withUnsafeMutableBufferPointer { out in
                EVP_EncryptUpdate(context, out.baseAddress, &length, plaintext, Int32(plaintext.count))
            }
            guard ok == 1 else { throw CryptoError("AES-256-GCM encrypt") }
            total = Int(length)
        }
        let finalOK = ciphertext.withUnsafeMutableBufferPointer { out in
            EVP_EncryptFinal_ex(context, out.baseAddress.map { $0 + total }, &length)
        }
        guard finalOK == 1 else { throw CryptoError("AES-256-GCM final") }
        total += Int(length)
        let tagOK = tag.withUnsafeMutableBytes { raw in
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagByteCount), raw.baseAddress)
        }
        guard tagOK == 1 else { throw CryptoError("AES-256-GCM tag") }
        return nonce + ciphertext.prefix(total) + tag
    }

    /// Verifies and decrypts a box made by ``seal(_:key:associatedData:)``.
    package static func open(_ box: [UInt8], key: [UInt8], associatedData: [UInt8] = []) throws(OpenError) -> [UInt8] {
        precondition(key.count == keyByteCount, "AES-256-GCM needs a 32-byte key")
        guard box.count >= nonceByteCount + tagByteCount else { throw .malformed }
        OpenSSLErrorQueue.clear()
        guard let context = EVP_CIPHER_CTX_new() else { throw .authenticationFailed }
        defer { EVP_CIPHER_CTX_free(context) }
        let nonce = Array(box.prefix(nonceByteCount))
        let ciphertext = Array(box[nonceByteCount..<(box.count - tagByteCount)])
        var tag = Array(box.suffix(tagByteCount))
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var length: Int32 = 0
        var total = 0
        guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, key, nonce) == 1 else { throw .authenticationFailed }
        if !associatedData.isEmpty {
            guard EVP_DecryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1 else {
                throw .authenticationFailed
            }
        }
        if !ciphertext.isEmpty {
            let ok = plaintext.withUnsafeMutableBufferPointer { out in
                EVP_DecryptUpdate(context, out.baseAddress, &length, ciphertext, Int32(ciphertext.count))
            }
            guard ok == 1 else { throw .authenticationFailed }
            total = Int(length)
        }
        let tagSet = tag.withUnsafeMutableBytes { raw in
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagByteCount), raw.baseAddress)
        }
        guard tagSet == 1 else { throw .authenticationFailed }
        let verified = plaintext.withUnsafeMutableBufferPointer { out in
            EVP_DecryptFinal_ex(context, out.baseAddress.map { $0 + total }, &length)
        }
        OpenSSLErrorQueue.clear()
        guard verified > 0 else { throw .authenticationFailed }
        return Array(plaintext.prefix(total + Int(length)))
    }
}
