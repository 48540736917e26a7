import WharfHTTP
package import WharfSQLite
import WharfWire

/// What the audit page, its exports and `wharf audit export` select: actor, host, action prefix,
/// outcome, time range and text in the target, all optional and combined with AND.
///
/// The SQL is assembled from fixed fragments with `?` placeholders; every value is bound, none is
/// ever part of the SQL text.
package struct AuditFilter: Sendable, Equatable {
    /// The actor's name, matched whole, ignoring ASCII case (`cli:root`, `ada`).
    package var actor: String?
    package var hostID: Int64?
    /// Matches the action itself and every action under it: `user` and `user.` both match `user.create`.
    package var actionPrefix: String?
    package var outcome: AuditOutcome?
    /// Inclusive lower bound on the row's time, ms since the epoch (UTC).
    package var since: Int64?
    /// Exclusive upper bound on the row's time.
    package var until: Int64?
    /// Text the target contains, ignoring ASCII case.
    package var target: String?

    package init(
        actor: String? = nil, hostID: Int64? = nil, actionPrefix: String? = nil, outcome: AuditOutcome? = nil,
        since: Int64? = nil, until: Int64? = nil, target: String? = nil
    ) {
        self.actor = actor
        self.hostID = hostID
        self.actionPrefix = actionPrefix
        self.outcome = outcome
        self.since = since
        self.until = until
        self.target = target
    }

    /// A filter value that cannot be read; `field` names the form field or option.
    package struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        package var field: String
        package var message: String
        package var description: String { "\(field): \(message)" }
    }

    /// Reads the filter from named values (query parameters or command-line options), empty
    /// values meaning "any". Names: `actor`, `host`, `action`, `outcome`, `from`/`since`,
    /// `to`/`until`, `target`.
    /// - Throws: every ``Problem`` found, the first one first.
    package static func parse(_ value: (String) -> String?) throws(ProblemList) -> AuditFilter {
        func text(_ name: String) -> String? {
            guard let raw = value(name) else { return nil }
            let trimmed = raw.trimmingASCIISpaces()
            return trimmed.isEmpty ? nil : String(trimmed)
        }
        var filter = AuditFilter()
        var problems: [Problem] = []
        filter.actor = text("actor")
        filter.actionPrefix = text("action")
        filter.target = text("target")
        if let host = text("host") {
            if let id = Int64(host), id > 0 { filter.hostID = id } else { problems.append(Problem(field: "host", message: "Enter a host id (a positive number).")) }
        }
        if let outcome = text("outcome") {
            if let value = AuditOutcome(rawValue: outcome) { filter.outcome = value } else {
                problems.append(Problem(field: "outcome", message: "Choose ok, failed or denied."))
            }
        }
        for (name, isUpper) in [("from", false), ("since", false), ("to", true), ("until", true)] {
            guard let raw = text(name) else { continue }
            guard let bound = AuditTime.parse(raw) else {
                problems.append(Problem(field: name, message: "Enter a UTC date as 2026-11-24 or 2026-11-24T18:30."))
                continue
            }
            if isUpper { filter.until = bound.exclusiveEnd } else { filter.since = bound.milliseconds }
        }
        if let since = filter.since, let until = filter.until, until <= since {
            problems.append(Problem(field: value("to") != nil ? "to" : "until", message: "The end must come after the start."))
        }
        if !problems.isEmpty { throw ProblemList(problems: problems) }
        return filter
    }

    /// Every problem with a filter, for showing each next to its field.
    package struct ProblemList: Error, Sendable, CustomStringConvertible {
        package var problems: [Problem]
        package var description: String { problems.map(\.description).joined(separator: "; ") }
    }

    /// The filter as `name=value` pairs (the names ``parse(_:)`` reads), for links and audit rows.
    package var pairs: [(String, String)] {
        var pairs: [(String, String)] = []
        if let actor { pairs.append(("actor", actor)) }
        if let hostID { pairs.append(("host", String(hostID))) }
        if let actionPrefix { pairs.append(("action", actionPrefix)) }
        if let outcome { pairs.append(("outcome", outcome.rawValue)) }
        if let since { pairs.append(("from", AuditTime.iso(since))) }
        if let until { pairs.append(("until", AuditTime.iso(until))) }
        if let target { pairs.append(("target", target)) }
        return pairs
    }

    /// How ``conditions(exactAction:walk:targetIndex:)`` writes the range conditions.
    package enum Walk: Sendable {
        /// Newest first by id, one page: SQLite picks any index.
        case page
        /// The whole set by id (exports): range conditions are written `+column`, so they cannot
        /// drive the plan; a range scan of the action or time index would be sorted again for
        /// every batch.
        case export
    }

    /// The `WHERE` conditions and their arguments, without the keyset bound.
    /// - Parameters:
    ///   - exactAction: one action under the prefix, matched exactly (``AuditRepository`` walks
    ///     each action's `(action, outcome, id)` index in page order and merges them).
    ///   - exactOutcome: one outcome, when the filter names none (``AuditRepository`` walks each
    ///     outcome's range of the `(column, outcome, id)` indexes and merges them).
    package func conditions(exactAction: String? = nil, exactOutcome: AuditOutcome? = nil, walk: Walk = .page) -> (sql: [String], arguments: [SQLiteValue]) {
        var sql: [String] = []
        var arguments: [SQLiteValue] = []
        func add(_ condition: String, _ values: SQLiteValue...) {
            sql.append(condition)
            arguments += values
        }
        let plus = walk == .export ? "+" : ""
        if let actor { add("actor_name = ? COLLATE NOCASE", .text(actor)) }
        if let hostID { add("host_id = ?", .integer(hostID)) }
        if let exactAction {
            add("action = ?", .text(exactAction))
        } else if let actionPrefix {
            // A range instead of LIKE, which would need case_sensitive_like and escaping: every
            // text starting with the prefix sorts between it and prefix + U+10FFFF.
            add("\(plus)action >= ? AND \(plus)action < ?", .text(actionPrefix), .text(actionPrefix + "\u{10FFFF}"))
        }
        if let outcome = outcome ?? exactOutcome { add("outcome = ?", .text(outcome.rawValue)) }
        if let since { add("\(plus)time_ms >= ?", .integer(since)) }
        if let until { add("\(plus)time_ms < ?", .integer(until)) }
        if let target {
            // instr over lower(): no LIKE wildcards to escape in what the user typed. The trigram
            // index only proposes candidates (``AuditRepository``); this decides.
            add("instr(lower(target), lower(?)) > 0", .text(target))
        }
        return (sql, arguments)
    }

    /// The trigram index answers LIKE for three characters or more, and has no ESCAPE: text
    /// holding `%` or `_` is searched by scanning.
    package var canUseTargetIndex: Bool {
        guard let target else { return false }
        return target.unicodeScalars.count >= 3 && !target.contains("%") && !target.contains("_")
    }

    package var isEmpty: Bool { self == AuditFilter() }
}
