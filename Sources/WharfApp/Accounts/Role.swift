package import WharfSQLite

/// What a user may do: `admin` everything; `operator` acts on the hosts granted; `viewer` reads them.
package enum Role: String, Sendable, CaseIterable, Comparable, SQLiteValueConvertible {
    case viewer, `operator`, admin

    /// Higher ranks include everything lower ranks may do.
    package var rank: Int {
        switch self {
        case .viewer: 0
        case .operator: 1
        case .admin: 2
        }
    }

    package static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    /// The label shown in pages.
    package var label: String {
        switch self {
        case .viewer: "Viewer"
        case .operator: "Operator"
        case .admin: "Admin"
        }
    }

    package var sqliteValue: SQLiteValue { .text(rawValue) }

    package static func decode(from value: SQLiteValue) -> Role? {
        guard case .text(let text) = value else { return nil }
        return Role(rawValue: text)
    }
}
