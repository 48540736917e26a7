/// Validates `next=` targets: only paths on this site, so a sign-in link cannot send the user to
/// another site (an open redirect).
package enum LocalPath {
    /// `text` when it is a local absolute path (`/hosts?x=1`), else nil. Refuses `//host`, `/\host`,
    /// schemes, and control characters.
    package static func validated(_ text: String?) -> String? {
        guard let text, text.hasPrefix("/"), text.utf8.count <= 2048 else { return nil }
        if text.hasPrefix("//") || text.hasPrefix("/\\") { return nil }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" }) { return nil }
        return text
    }
}
