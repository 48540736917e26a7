/// UTC dates as the audit filters and exports read and write them, without a calendar library.
///
/// Accepted: `2026-11-24`, `2026-11-24T18:48`, `2026-11-24T18:48:05`, `2026-11-24 18:48:05`, with
/// an optional trailing `Z` and fraction of a second. Everything is UTC.
package enum AuditTime {
    /// A parsed filter bound: its first millisecond, and whether only a date was given (so an
    /// upper bound can include the whole day).
    package struct Bound: Sendable, Equatable {
        package var milliseconds: Int64
        package var dateOnly: Bool

        /// The first millisecond after the bound: the next day for a date, the next minute or
        /// second for a time given to that precision.
        package var exclusiveEnd: Int64
    }

    package static func parse(_ text: String) -> Bound? {
        var bytes = Array(text.utf8)
        if bytes.last == UInt8(ascii: "Z") || bytes.last == UInt8(ascii: "z") { bytes.removeLast() }
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10]),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        let midnight = daysFromCivil(year: year, month: month, day: day) * 86_400_000
        if bytes.count == 10 { return Bound(milliseconds: midnight, dateOnly: true, exclusiveEnd: midnight + 86_400_000) }
        guard bytes.count >= 16, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
              bytes[13] == UInt8(ascii: ":"), let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]),
              hour < 24, minute < 60
        else { return nil }
        var milliseconds = midnight + (hour * 3600 + minute * 60) * 1000
        if bytes.count == 16 { return Bound(milliseconds: milliseconds, dateOnly: false, exclusiveEnd: milliseconds + 60_000) }
        guard bytes.count >= 19, bytes[16] == UInt8(ascii: ":"), let second = number(bytes[17..<19]), second < 60 else { return nil }
        milliseconds += second * 1000
        if bytes.count == 19 { return Bound(milliseconds: milliseconds, dateOnly: false, exclusiveEnd: milliseconds + 1000) }
        guard bytes[19] == UInt8(ascii: "."), bytes.count > 20, bytes.count <= 29, let fraction = number(bytes[20...]) else { return nil }
        var scaled = fraction
        var digits = bytes.count - 20
        while digits > 3 { scaled /= 10; digits -= 1 }
        while digits < 3 { scaled *= 10; digits += 1 }
        milliseconds += scaled
        return Bound(milliseconds: milliseconds, dateOnly: false, exclusiveEnd: milliseconds + 1)
    }

    /// `2026-11-24T18:48:05.123Z`, as exports write times.
    package static func iso(_ milliseconds: Int64) -> String {
        let (date, secondOfDay, millisecond) = split(milliseconds)
        return date + "T" + two(secondOfDay / 3600) + ":" + two(secondOfDay % 3600 / 60) + ":" + two(secondOfDay % 60)
            + "." + three(millisecond) + "Z"
    }

    /// `2026-11-24 18:48:05`, as the audit table shows times (its header says UTC).
    package static func display(_ milliseconds: Int64) -> String {
        let (date, secondOfDay, _) = split(milliseconds)
        return date + " " + two(secondOfDay / 3600) + ":" + two(secondOfDay % 3600 / 60) + ":" + two(secondOfDay % 60)
    }

    static func split(_ milliseconds: Int64) -> (date: String, secondOfDay: Int64, millisecond: Int64) {
        let millisecond = ((milliseconds % 1000) + 1000) % 1000
        let seconds = (milliseconds - millisecond) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let (year, month, day) = civil(fromDays: days)
        let yearText = String(year)
        return (String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText + "-" + two(month) + "-" + two(day),
                seconds - days * 86_400, millisecond)
    }

    private static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
    private static func three(_ value: Int64) -> String { value < 10 ? "00\(value)" : value < 100 ? "0\(value)" : "\(value)" }

    private static func number(_ bytes: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return bytes.isEmpty ? nil : value
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
