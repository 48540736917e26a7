import Glibc
import Synchronization
import WharfWire

/// Serializes a status line and header fields; the fields go through the shared
/// ``HTTPHeadEncoder``, which refuses names that are not tokens and values with CR, LF or other
/// control characters (response splitting).
enum ResponseHead {
    /// Appends `HTTP/1.1 code reason\r\n`, the fields, and the empty line to `buffer`.
    /// - Throws: ``HTTPHeadEncoder/InvalidField`` ("header … cannot be sent").
    static func write(status: HTTPStatus, headers: HTTPHeaders, into buffer: inout [UInt8]) throws(HTTPHeadEncoder.InvalidField) {
        try HTTPHeadEncoder.appendResponseHead(code: status.code, reason: status.reason, headers: headers, to: &buffer)
    }
}

/// The `Date` header value (IMF-fixdate, RFC 9110 §5.6.7), formatted at most once per second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    static var now: String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &ts)
        let second = ts.tv_sec
        return cache.withLock { cached in
            if cached.second == second { return cached.text }
            cached = (second, format(second))
            return cached.text
        }
    }

    /// Formats seconds since the epoch as `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func format(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
