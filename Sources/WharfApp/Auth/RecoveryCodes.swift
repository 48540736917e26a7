import WharfTLS

/// Single-use recovery codes for when the authenticator is lost: ten per enrolment, 50 random bits
/// each, shown once as `xxxxx-xxxxx` and stored as SHA-256 hex of their normalised form.
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

    /// What is stored for `code`: case, spaces and dashes do not matter when it is typed.
    package static func hash(_ code: String) -> String {
        let normalised = code.lowercased().filter { $0 != "-" && $0 != " " }
        return SHA256.hex(Array(normalised.utf8))
    }

    /// Whether `text` looks like a recovery code rather than a TOTP code.
    package static func looksLikeRecoveryCode(_ text: String) -> Bool {
        text.filter { $0 != "-" && $0 != " " }.count == 10
    }
}
