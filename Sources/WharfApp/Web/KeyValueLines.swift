import WharfHTTP
import WharfWire

/// `key=value` pairs typed one per line (spaces around the key and the value are dropped) in a form's textarea (labels, driver options), read the
/// same way by every form that takes them.
package enum KeyValueLines {
    /// The pairs of `text`, blank lines skipped; `nil` and the problem in words when a line is not
    /// `key=value` (a line without `=` means an empty value, as the docker CLI reads `--label a`).
    /// - Parameter what: what the key names in the message (`key`, `option`).
    package static func parse(_ text: String, what: String = "key") -> (pairs: [String: String], problem: String?) {
        var pairs: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingASCIISpaces()
            guard !trimmed.isEmpty else { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].trimmingASCIISpaces()
            guard !key.isEmpty, !key.contains(where: \.isWhitespace) else {
                return (pairs, "\"\(trimmed)\" is not \(what)=value.")
            }
            pairs[String(key)] = parts.count == 2 ? String(parts[1].trimmingASCIISpaces()) : ""
        }
        return (pairs, nil)
    }

    /// The pairs as lines again, sorted by key (to fill a form).
    package static func text(_ pairs: [String: String]) -> String {
        pairs.keys.sorted().map { "\($0)=\(pairs[$0] ?? "")" }.joined(separator: "\n")
    }
}
