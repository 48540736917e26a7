/// A count with its noun as pages say it: `1 volume`, `3 volumes`, `0 networks`.
package enum CountText {
    package static func of(_ count: Int, _ noun: String, plural: String? = nil) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(plural ?? noun + "s")"
    }
}
