/// A 1-based line and column in a template file; columns count Unicode scalars, so a tab or an `é` is one column.
struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    var line: Int
    var column: Int

    static let start = SourceLocation(line: 1, column: 1)

    /// The location just after `bytes`, which start at `self`.
    func advanced(over bytes: some Sequence<UInt8>) -> SourceLocation {
        var result = self
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                result.line += 1
                result.column = 1
            } else if byte & 0b1100_0000 != 0b1000_0000 {
                // UTF-8 continuation bytes do not start a new column.
                result.column += 1
            }
        }
        return result
    }

    var description: String { "\(line):\(column)" }
}
