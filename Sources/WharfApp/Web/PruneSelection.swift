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

    /// Removes each of `items` with `remove`, going on past failures, then appends the prune's
    /// one audit row (`action`, target "N `noun`", the removed ones by `name`, and `parameters`
    /// of what was removed). - Throws: 409 naming what could not be removed and why (the rest
    /// was), unless `throwing` is false (a part of a larger prune, which says it once).
    package static func removeEach<Item: Sendable>(
        _ items: [Item], action: String, noun: String, name: (Item) -> String,
        parameters: ([Item]) -> [String: String] = { _ in [:] }, throwing: Bool = true,
        scope: HostScope, context: RequestContext, audit: AuditLog, _ remove: (Item) async throws -> Void
    ) async throws -> (removed: [Item], failures: [String]) {
        var removed: [Item] = []
        var failures: [String] = []
        for item in items {
            do {
                try await remove(item)
                removed.append(item)
            } catch let error as any PublicError {
                failures.append("\(name(item)): \(error.publicMessage)")
            }
        }
        var row = parameters(removed)
        row["removed"] = removed.map(name).joined(separator: ", ")
        try await scope.record(
            action, target: "\(removed.count) \(noun)", parameters: row, context: context, audit: audit,
            status: failures.isEmpty ? .ok : .conflict, error: failures.isEmpty ? nil : failures.joined(separator: "; "))
        if throwing, !failures.isEmpty {
            throw HTTPError(.conflict, "Removed \(removed.count) of \(items.count); not removed: \(failures.joined(separator: "; "))")
        }
        return (removed, failures)
    }
}
