/// The `Date` header's IMF-fixdate (`Sun, 06 Dec 2026 06:14:07 GMT`, RFC 9110 §5.6.7) as Unix
/// seconds: the engine's clock when it answered, which an event stream resumes from.
enum HTTPDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func seconds(_ text: String) -> Int64? {
        let words = text.split(separator: " ")
        guard words.count == 6, words[5] == "GMT", let month = months.firstIndex(of: String(words[2])),
              words[1].count == 2, words[3].count == 4, words[4].count == 8 else { return nil }
        let monthText = month + 1 < 10 ? "0\(month + 1)" : "\(month + 1)"
        return AuditTime.parse("\(words[3])-\(monthText)-\(words[1])T\(words[4])").map { $0.milliseconds / 1000 }
    }
}
