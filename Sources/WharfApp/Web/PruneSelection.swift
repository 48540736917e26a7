package import WharfHTTP

/// The rule every prune follows (volumes, networks, a host's prune): a preview lists exactly what
/// would go, and the confirmation removes only that list, and only while the filters still
/// select exactly it. Anything else — something new matches, something listed went — removes
/// nothing and says what changed.
package enum PruneSelection {
    /// - Parameters:
    ///   - confirmed: the ids the preview listed, as sent back.
    ///   - current: what the filters select now, `(id, name)`.
    ///   - what: the plural noun for messages (`volumes`).
    /// - Throws: 409 when nothing was selected or the selection changed, naming what differs.
    package static func check(confirmed: [String], current: [(id: String, name: String)], what: String) throws {
        let wanted = Set(confirmed)
        let now = Set(current.map(\.id))
        guard !wanted.isEmpty else { throw HTTPError(.conflict, "Nothing was selected to remove.") }
        guard wanted != now else { return }
        let added = current.filter { !wanted.contains($0.id) }.map { "\($0.name) is new" }
        let gone = confirmed.filter { !now.contains($0) }.map { "\(EngineMessages.shortID($0)) is gone" }
        throw HTTPError(
            .conflict,
            "The \(what) that would be removed changed since the preview (\((added + gone).joined(separator: ", "))): "
                + "nothing was removed; review the list again.")
    }
}
