import WharfTLS

/// Time-based one-time passwords (RFC 6238 over HOTP, RFC 4226): HMAC-SHA-1, 6 digits, 30-second
/// steps, accepting the step before and after the current one for clock drift.
package enum TOTP {
    package static let stepSeconds: Int64 = 30
    package static let digits = 6
    /// 160 bits, the HMAC-SHA-1 block-friendly size RFC 4226 §4 recommends.
    package static let secretByteCount = 20

    /// The step (T in RFC 6238 §4.2) for a time in milliseconds since the epoch.
    package static func step(atMilliseconds time: Int64) -> Int64 {
        time / 1000 / stepSeconds
    }

    /// The code for `step`: HOTP(secret, step) with dynamic truncation (RFC 4226 §5.3).
    package static func code(secret: [UInt8], step: Int64, digits: Int = TOTP.digits) -> String {
        var counter = [UInt8](repeating: 0, count: 8)
        var value = UInt64(bitPattern: step)
        for index in (0..<8).reversed() {
            counter[index] = UInt8(value & 0xFF)
            value >>= 8
        }
        let mac = HMAC.sha1(key: secret, message: counter)
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let number = String(binary % modulus)
        return String(repeating: "0", count: digits - number.count) + number
    }

    /// The step whose code `code` is, within ±1 step of `time`, and later than `lastUsedStep` (a
    /// code is accepted once: a replay within its window fails). Nil when it matches none.
    package static func matchingStep(
        code: String, secret: [UInt8], atMilliseconds time: Int64, lastUsedStep: Int64?
    ) -> Int64? {
        let typed = String(code.filter { $0.isNumber })
        guard typed.count == digits else { return nil }
        let current = step(atMilliseconds: time)
        var found: Int64?
        // Compare against every candidate (no early exit), in constant time per comparison.
        for candidate in (current - 1)...(current + 1) {
            let expected = TOTP.code(secret: secret, step: candidate)
            if constantTimeEquals(Array(expected.utf8), Array(typed.utf8)), found == nil { found = candidate }
        }
        guard let found else { return nil }
        if let lastUsedStep, found <= lastUsedStep { return nil }
        return found
    }

    /// The `otpauth://` URI authenticator apps import (the de-facto Key Uri Format).
    package static func provisioningURI(secret: [UInt8], account: String, issuer: String = "Wharf") -> String {
        func escape(_ text: String) -> String {
            var out = ""
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                     UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                    out.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
                }
            }
            return out
        }
        return "otpauth://totp/\(escape(issuer)):\(escape(account))?secret=\(Base32.encode(secret))"
            + "&issuer=\(escape(issuer))&algorithm=SHA1&digits=\(digits)&period=\(stepSeconds)"
    }
}
