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

extension AuditEntry {
    /// This entry as it is stored: strings a stranger can choose (target, actor name, user
    /// agent, client address, parameter values) cut at ``AuditText/maximumBytes``, the error
    /// text at 1 KiB.
    package var bounded: AuditEntry {
        var entry = self
        entry.target = AuditText.truncated(target)
        entry.actorName = AuditText.truncated(actorName)
        entry.userAgent = AuditText.truncated(userAgent)
        entry.clientAddress = AuditText.truncated(clientAddress)
        entry.error = error.map { AuditText.truncated($0, maximumBytes: 1024) }
        if parameters.contains(where: { $0.key.utf8.count > 64 || $0.value.utf8.count > AuditText.maximumBytes }) {
            entry.parameters = Dictionary(uniqueKeysWithValues: parameters.map { key, value in
                (AuditText.truncated(key, maximumBytes: 64), AuditText.truncated(value))
            })
        }
        return entry
    }
}
