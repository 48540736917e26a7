/// Why an account operation was refused: bad input (shown next to the field), or a rule.
package enum AccountError: Error, Equatable, CustomStringConvertible {
    /// `field` (the form field name) is wrong; `message` says how, in words for the user.
    case invalid(field: String, message: String)
    case userNotFound
    /// The change would leave no enabled admin.
    case lastAdmin

    package var description: String {
        switch self {
        case .invalid(let field, let message): "\(field): \(message)"
        case .userNotFound: "There is no such user."
        case .lastAdmin: "This is the last enabled admin; make another user an admin first."
        }
    }
}
