/// Label conditions as the engine writes them in filters: `key` (has the label), `key=value`,
/// and, for prunes, their negations `!key` / `key!=value` (must not match). Used where Wharf
/// selects by label itself (prune previews, the live event stream), so it agrees with the engine.
package struct LabelSelector: Sendable, Equatable {
    package let key: String
    package let value: String?
    package let negated: Bool

    package init(_ expression: String) {
        var text = expression
        var negated = false
        if text.hasPrefix("!") {
            negated = true
            text.removeFirst()
        } else if text.contains("!=") {
            negated = true
            text = text.replacing("!=", with: "=")
        }
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        key = parts.first ?? ""
        value = parts.count == 2 ? parts[1] : nil
        self.negated = negated
    }

    package func matches(_ labels: [String: String]) -> Bool {
        let has = value.map { labels[key] == $0 } ?? (labels[key] != nil)
        return has != negated
    }

    /// Whether `labels` satisfy every selector of `expressions` (each trimmed; empty ones skipped).
    package static func all(_ expressions: [String], match labels: [String: String]) -> Bool {
        expressions.allSatisfy { expression in expression.isEmpty || LabelSelector(expression).matches(labels) }
    }
}
