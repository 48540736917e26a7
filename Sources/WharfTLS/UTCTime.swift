internal import Glibc

/// Unix seconds shown as "2025-11-24 18:31:00 UTC", for certificate dates in messages.
///
/// Without Foundation's date formatting (Wharf uses FoundationEssentials only): `gmtime_r(3)`
/// does the calendar arithmetic.
package enum UTCTime {
    package static func format(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return "\(seconds) (Unix time)" }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) UTC"
    }
}
