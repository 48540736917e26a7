/// Times as pages show them: `2026-11-24 18:48 UTC`, computed without a calendar library
/// (``AuditTime``'s civil date).
package enum TimeText {
    package static func utc(milliseconds: Int64) -> String {
        let (date, secondOfDay, _) = AuditTime.split(milliseconds)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return date + " " + two(secondOfDay / 3600) + ":" + two(secondOfDay % 3600 / 60) + " UTC"
    }

    /// "3 minutes ago", "in 2 days", relative to `now`.
    package static func relative(_ milliseconds: Int64, now: Int64) -> String {
        let delta = (milliseconds - now) / 1000
        let magnitude = abs(delta)
        let text: String
        switch magnitude {
        case ..<60: return delta <= 0 ? "just now" : "in a moment"
        case ..<3600: text = plural(magnitude / 60, "minute")
        case ..<86_400: text = plural(magnitude / 3600, "hour")
        default: text = plural(magnitude / 86_400, "day")
        }
        return delta < 0 ? text + " ago" : "in " + text
    }

    private static func plural(_ value: Int64, _ unit: String) -> String { value == 1 ? "1 \(unit)" : "\(value) \(unit)s" }
}
