import Glibc
import Synchronization

/// Serializes a status line and header fields, refusing header names that are not tokens and
/// values with CR, LF or other control characters (response splitting).
enum ResponseHead {
    struct InvalidHeader: Error, CustomStringConvertible {
        let name: String
        var description: String { "response header \(name) has a name or value that cannot be sent (CR, LF or control character)" }
    }

    /// Appends `HTTP/1.1 code reason\r\n`, the fields, and the empty line to `buffer`.
    static func write(status: HTTPStatus, headers: HTTPHeaders, into buffer: inout [UInt8]) throws(InvalidHeader) {
        buffer.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(status.code, to: &buffer)
        buffer.append(0x20)
        var reason = status.reason
        reason.withUTF8 { buffer.append(contentsOf: $0) }
        appendLineEnd(to: &buffer)
        for (name, value) in headers {
            // Checked and copied as contiguous UTF-8 (a memcpy each), not byte by byte.
            var name = name
            var value = value
            let valid = name.withUTF8 { name in
                guard !name.isEmpty, name.allSatisfy(ByteClass.isToken) else { return false }
                buffer.append(contentsOf: name)
                return true
            } && value.withUTF8 { value in
                guard value.allSatisfy(ByteClass.isFieldValue) else { return false }
                buffer.append(ByteClass.colon)
                buffer.append(ByteClass.space)
                buffer.append(contentsOf: value)
                return true
            }
            guard valid else { throw InvalidHeader(name: String(name.prefix(64))) }
            appendLineEnd(to: &buffer)
        }
        appendLineEnd(to: &buffer)
    }

    @inline(__always)
    static func appendLineEnd(to buffer: inout [UInt8]) {
        buffer.append(ByteClass.cr)
        buffer.append(ByteClass.lf)
    }

    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value == 0 {
            buffer.append(UInt8(ascii: "0"))
            return
        }
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            buffer.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    static func appendHex(_ value: Int, to buffer: inout [UInt8]) {
        if value == 0 {
            buffer.append(UInt8(ascii: "0"))
            return
        }
        var shift = (Int.bitWidth - value.leadingZeroBitCount + 3) / 4 * 4
        while shift > 0 {
            shift -= 4
            let digit = UInt8(truncatingIfNeeded: (value >> shift) & 0xF)
            buffer.append(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10)
        }
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
