import WharfHTTP
import WharfWire

/// The filters of a prune preview, as `docker … prune --filter` takes them: `until` (created
/// before a duration ago, a date, or a Unix time) and `label` (`key`, `key=value`, `!key`,
/// `key!=value`), matched against an object's creation time and labels.
///
/// Images use it; containers still have their own copy (`PruneFilters`, the same
/// rules), which can become this one.
struct PruneFilters: Sendable, Equatable {
    /// Created before this Unix time (seconds); nil for any time.
    var before: Int64?
    var untilText = ""
    var labels: [String] = []

    /// - Throws: 422 naming the field.
    init(until: String?, labels: [String], now: Int64) throws {
        untilText = String(until?.trimmingASCIISpaces() ?? "")
        if !untilText.isEmpty {
            guard let cutoff = Self.cutoff(untilText, now: now) else {
                throw FieldErrors(["until": "Give a duration like 24h or 30m, a date like 2026-11-24, or a Unix time."])
            }
            before = cutoff
        }
        self.labels = labels.map { String($0.trimmingASCIISpaces()) }.filter { !$0.isEmpty }
    }

    /// `24h`, `90m`, `3600s`, `2026-11-24T18:00`, `1733462455` → Unix seconds.
    static func cutoff(_ text: String, now: Int64) -> Int64? {
        if let seconds = Int64(text), seconds > 0 { return seconds }
        if let last = text.last, let amount = Double(text.dropLast()), amount >= 0 {
            let unit: Double? = switch last { case "s": 1; case "m": 60; case "h": 3600; case "d": 86_400; default: nil }
            // Durations beyond 10,000 years are refused: `1e300h` would not fit an Int64.
            if let unit, amount * unit < 3.2e11 { return now - Int64(amount * unit) }
        }
        return AuditTime.parse(text).map { $0.milliseconds / 1000 }
    }

    /// The filters as a prune's audit row records them (`until`, `label`), those set only.
    var auditParameters: [String: String] {
        var parameters: [String: String] = [:]
        if !untilText.isEmpty { parameters["until"] = untilText }
        if !labels.isEmpty { parameters["label"] = labels.joined(separator: " ") }
        return parameters
    }

    func matches(created: Int64, labels: [String: String]) -> Bool {
        if let before, created >= before { return false }
        return LabelSelector.all(self.labels, match: labels)
    }
}
