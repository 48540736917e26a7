import Synchronization

/// Wharf's metrics, exposed at `GET /metrics` in the Prometheus text format (exposition 0.0.4).
///
/// A feature adds a metric in one line where it happens, and updates it there:
///
/// ```swift
/// let finished = metrics.counter("wharf_jobs_finished_total", "Jobs finished, by kind and status.", labels: ["kind", "status"])
/// finished.increment(["build", "ok"])
/// metrics.gauge("wharf_sse_streams", "Server-sent event streams open.") { Double(streams.count) }
/// ```
///
/// Values that already live elsewhere (open connections, the database's size) are read when
/// scraped, by a closure, instead of being copied on every change. Label values must come from a
/// bounded set (route templates, status classes, host names, error kinds), never from requests.
package final class MetricsRegistry: Sendable {
    private let families = Mutex<[any MetricFamily]>([])

    package init() {}

    /// A counter family; `labels` names its label dimensions (empty for a single series).
    package func counter(_ name: String, _ help: String, labels: [String] = []) -> Counter {
        register(Counter(name: name, help: help, labelNames: labels))
    }

    /// A histogram family with cumulative `buckets` (upper bounds, ascending; `+Inf` is added).
    package func histogram(_ name: String, _ help: String, labels: [String] = [], buckets: [Double]) -> Histogram {
        register(Histogram(name: name, help: help, labelNames: labels, buckets: buckets))
    }

    /// A gauge read at scrape time from `value`.
    package func gauge(_ name: String, _ help: String, _ value: @escaping @Sendable () async -> Double?) {
        _ = register(CollectedFamily(name: name, help: help, type: "gauge") { await value().map { [Sample(labels: [], value: $0)] } ?? [] })
    }

    /// A family of any type whose samples are read at scrape time (`samples` may return none).
    package func collect(_ name: String, _ help: String, type: String, labels: [String] = [], _ samples: @escaping @Sendable () async -> [Sample]) {
        _ = register(CollectedFamily(name: name, help: help, type: type, labelNames: labels, read: samples))
    }

    private func register<F: MetricFamily>(_ family: F) -> F {
        families.withLock { list in
            precondition(!list.contains { $0.name == family.name }, "metric \(family.name) registered twice")
            list.append(family)
        }
        return family
    }

    /// Every family in the text format, in registration order.
    package func exposition() async -> String {
        var text = ""
        for family in families.withLock({ $0 }) {
            let samples = await family.samples()
            text += "# HELP \(family.name) \(Self.escapeHelp(family.help))\n# TYPE \(family.name) \(family.type)\n"
            for sample in samples {
                text += family.name + sample.suffix + Self.labelText(family.labelNames, sample.labels) + " " + Self.number(sample.value) + "\n"
            }
        }
        return text
    }

    /// The media type of ``exposition()``.
    package static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func labelText(_ names: [String], _ values: [String]) -> String {
        guard !values.isEmpty else { return "" }
        let pairs = zip(names + ["le"], values).map { name, value in "\(name)=\"\(escapeLabel(value))\"" }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    static func number(_ value: Double) -> String {
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value.isNaN { return "NaN" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    private static func escapeLabel(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n")
    }

    private static func escapeHelp(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }
}

/// One line of a family: label values in the family's label order (a histogram's bucket adds
/// `le` last), a suffix for histogram parts (`_bucket`, `_sum`, `_count`), and the value.
package struct Sample: Sendable {
    package var suffix = ""
    package var labels: [String]
    package var value: Double

    package init(suffix: String = "", labels: [String], value: Double) {
        self.suffix = suffix
        self.labels = labels
        self.value = value
    }
}

protocol MetricFamily: Sendable {
    var name: String { get }
    var help: String { get }
    var type: String { get }
    var labelNames: [String] { get }
    func samples() async -> [Sample]
}

/// A monotonically increasing count per label set.
package final class Counter: MetricFamily {
    let name: String
    let help: String
    let type = "counter"
    let labelNames: [String]
    private let values = Mutex<[[String]: Double]>([:])

    init(name: String, help: String, labelNames: [String]) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        // A family without labels shows 0 before its first increment.
        if labelNames.isEmpty { values.withLock { $0[[]] = 0 } }
    }

    /// Adds `amount` to the series with `labels` (one value per label name, in order).
    package func increment(_ labels: [String] = [], by amount: Double = 1) {
        precondition(labels.count == labelNames.count, "\(name) takes labels \(labelNames)")
        values.withLock { $0[labels, default: 0] += amount }
    }

    /// The current value of a series (tests).
    package func value(_ labels: [String] = []) -> Double { values.withLock { $0[labels] ?? 0 } }

    func samples() async -> [Sample] {
        values.withLock { $0 }.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { Sample(labels: $0.key, value: $0.value) }
    }
}

/// Observations counted into cumulative buckets, with their sum and count, per label set.
package final class Histogram: MetricFamily {
    let name: String
    let help: String
    let type = "histogram"
    let labelNames: [String]
    let buckets: [Double]
    private struct Series { var counts: [UInt64]; var sum: Double; var count: UInt64 }
    private let series = Mutex<[[String]: Series]>([:])

    init(name: String, help: String, labelNames: [String], buckets: [Double]) {
        precondition(buckets == buckets.sorted() && !buckets.isEmpty, "\(name): buckets must ascend")
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.buckets = buckets
    }

    package func observe(_ value: Double, _ labels: [String] = []) {
        precondition(labels.count == labelNames.count, "\(name) takes labels \(labelNames)")
        let index = buckets.firstIndex { value <= $0 } ?? buckets.count
        series.withLock { all in
            var entry = all[labels] ?? Series(counts: Array(repeating: 0, count: buckets.count + 1), sum: 0, count: 0)
            entry.counts[index] += 1
            entry.sum += value
            entry.count += 1
            all[labels] = entry
        }
    }

    func samples() async -> [Sample] {
        var samples: [Sample] = []
        for (labels, entry) in series.withLock({ $0 }).sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            var cumulative: UInt64 = 0
            for (index, bound) in (buckets + [.infinity]).enumerated() {
                cumulative += entry.counts[index]
                samples.append(Sample(suffix: "_bucket", labels: labels + [MetricsRegistry.number(bound)], value: Double(cumulative)))
            }
            samples.append(Sample(suffix: "_sum", labels: labels, value: entry.sum))
            samples.append(Sample(suffix: "_count", labels: labels, value: Double(entry.count)))
        }
        return samples
    }
}

/// A family read at scrape time.
struct CollectedFamily: MetricFamily {
    let name: String
    let help: String
    let type: String
    var labelNames: [String] = []
    let read: @Sendable () async -> [Sample]

    func samples() async -> [Sample] { await read() }
}
