/// Times as pages show them: `2026-11-24 18:48 UTC`, computed without a calendar library
/// (days-from-civil inverse, Howard Hinnant's algorithm).
package enum TimeText {
    package static func utc(milliseconds: Int64) -> String {
        let seconds = milliseconds / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day)) \(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)) UTC"
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
