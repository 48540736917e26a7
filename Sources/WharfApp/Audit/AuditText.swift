/// Keeps what audit rows store from strangers bounded: a target, a username, a user agent or a
/// parameter value longer than ``maximumBytes`` of UTF-8 is cut at a character boundary and
/// marked (`…[cut from 65536 bytes]`), so an anonymous request with a 64 KiB username or an
/// 8 KiB path cannot make the history grow by that much.
package enum AuditText {
    /// The most a stored text may take, marker included.
    package static let maximumBytes = 256

    /// `text`, or its start and a marker saying it was cut, at most `maximumBytes` of UTF-8.
    /// Idempotent: a result is never cut again.
    package static func truncated(_ text: String, maximumBytes: Int = maximumBytes) -> String {
        let utf8 = text.utf8
        guard utf8.count > maximumBytes else { return text }
        let marker = "…[cut from \(utf8.count) bytes]"
        var end = utf8.index(utf8.startIndex, offsetBy: max(0, maximumBytes - marker.utf8.count))
        // Back off to the start of a scalar (continuation bytes are 10xxxxxx).
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        return String(decoding: utf8[..<end], as: UTF8.self) + marker
    }

    /// `text` truncated, nil stays nil.
    package static func truncated(_ text: String?) -> String? { text.map { truncated($0) } }
}
