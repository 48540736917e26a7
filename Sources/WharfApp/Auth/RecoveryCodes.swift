import WharfTLS

/// Single-use recovery codes for when the authenticator is lost: ten per enrolment, 50 random bits
/// each, shown once as `xxxxx-xxxxx` and stored as HMAC-SHA-256 (hex) of their normalised form
/// under a key derived from `secret.key` (``keyPurpose``). 50 bits are few enough that plain
/// SHA-256 in a stolen database could be searched; without the key file the HMAC cannot be.
/// Earlier versions stored plain SHA-256 (``legacyHash(_:)``); those rows still work, once.
package enum RecoveryCodes {
    package static let count = 10
    private static let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789".utf8)

    /// Ten new codes.
    package static func generate() -> [String] {
        (0..<count).map { _ in
            let bytes = SecureRandom.bytes(10)
            let characters = bytes.map { alphabet[Int($0) & 31] }
            return String(decoding: characters[0..<5], as: UTF8.self) + "-" + String(decoding: characters[5..<10], as: UTF8.self)
        }
    }

    /// The purpose of the key ``SecretKey/derivedKey(for:)`` gives for recovery codes.
    package static let keyPurpose = "recovery-codes"

    /// What is stored for `code`: case, spaces and dashes do not matter when it is typed.
    package static func hash(_ code: String, key: [UInt8]) -> String {
        Hex.encode(HMAC.sha256(key: key, message: normalised(code)))
    }

    /// What an earlier version stored for `code` (plain SHA-256), still accepted for its rows.
    package static func legacyHash(_ code: String) -> String { SHA256.hex(normalised(code)) }

    private static func normalised(_ code: String) -> [UInt8] {
        Array(code.lowercased().filter { $0 != "-" && $0 != " " }.utf8)
    }

    /// Whether `text` looks like a recovery code rather than a TOTP code.
    package static func looksLikeRecoveryCode(_ text: String) -> Bool {
        text.filter { $0 != "-" && $0 != " " }.count == 10
    }
}
