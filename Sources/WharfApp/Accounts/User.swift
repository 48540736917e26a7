import WharfSQLite

/// A Wharf account, as stored (without its password hash).
package struct User: Sendable, Equatable {
    package let id: Int64
    package let username: String
    package let role: Role
    package let disabled: Bool
    package let hasTOTP: Bool
    package let createdMilliseconds: Int64

    /// The columns ``init(row:)`` reads, for `SELECT`.
    static let columns = "id, username, role, disabled, totp_secret IS NOT NULL AS has_totp, created_ms"

    init(row: Row) throws {
        id = try row.get("id")
        username = try row.get("username")
        role = try row.get("role")
        disabled = try row.get("disabled")
        hasTOTP = try row.get("has_totp")
        createdMilliseconds = try row.get("created_ms")
    }

    package init(id: Int64, username: String, role: Role, disabled: Bool = false, hasTOTP: Bool = false, createdMilliseconds: Int64 = 0) {
        self.id = id
        self.username = username
        self.role = role
        self.disabled = disabled
        self.hasTOTP = hasTOTP
        self.createdMilliseconds = createdMilliseconds
    }
}

/// Why a username is refused, in words for the form; nil when it is acceptable.
package enum Username {
    package static let maximumLength = 64

    /// Letters, digits, `.`, `_`, `-` and `@`; 1-64 characters; must start with a letter or digit.
    package static func problem(with name: String) -> String? {
        if name.isEmpty { return "Enter a username." }
        if name.count > maximumLength { return "Use at most \(maximumLength) characters." }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".-_@".unicodeScalars.contains(scalar))
        }
        if !allowed { return "Use only letters, digits, dots, dashes, underscores and @." }
        if let first = name.unicodeScalars.first, ".-_@".unicodeScalars.contains(first) {
            return "Start with a letter or a digit."
        }
        return nil
    }
}
