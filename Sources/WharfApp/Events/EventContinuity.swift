import WharfDocker

/// What Wharf knows of one engine's event history, to reconnect without losing or repeating
/// events. After a cut, the stream is resumed with `since` = the last event's time: the engine
/// replays what its in-memory buffer (its last 256 events) holds from then on, and live events
/// follow. Replayed events already delivered are recognised by their key (time in ns, type,
/// action, actor) among the last 1,024 delivered, and dropped. If the first event after a
/// reconnection is not one already delivered, the engine's replay did not reach back to the last
/// one seen — it restarted (its buffer is gone) or more than 256 events passed — so events may be
/// missing in between: that is reported as a gap, before the new event.
struct EventContinuity: Sendable {
    struct Key: Hashable, Sendable {
        let timeNano: Int64
        let type: String
        let action: String
        let actor: String
    }

    enum Verdict: Equatable {
        /// Delivered before (a replay after a reconnection).
        case duplicate
        /// New; `gapFrom`/`gapTo` (Unix ms) when events before it may be missing.
        case new(gap: Gap?)
    }

    struct Gap: Equatable {
        let from: Int64?
        let to: Int64
    }

    static let remembered = 1024

    private var recent: [Key] = []
    private var recentSet: Set<Key> = []
    private var oldest = 0
    private(set) var lastTimeNano: Int64?
    /// The engine's clock (Unix seconds) when the first connection answered.
    private(set) var firstConnected: Int64?
    private var awaitingOverlap = false
    private var disconnectedAt: Int64?

    /// The `since` to follow from: just where the last delivered event was (the engine replays
    /// events at or after it), or where the first connection began; nil for a first connection.
    var since: String? {
        if let last = lastTimeNano {
            let nanos = String(last % 1_000_000_000)
            return "\(last / 1_000_000_000).\(String(repeating: "0", count: 9 - nanos.count))\(nanos)"
        }
        return firstConnected.map(String.init)
    }

    /// A connection answered; `engineSeconds` is the engine's clock (its `Date` header).
    mutating func connected(engineSeconds: Int64?) {
        if firstConnected == nil { firstConnected = engineSeconds }
    }

    /// The connection ended at `milliseconds` (Wharf's clock); the next events must prove they
    /// continue where it stopped.
    mutating func disconnected(at milliseconds: Int64) {
        if firstConnected != nil || lastTimeNano != nil { awaitingOverlap = true }
        if disconnectedAt == nil { disconnectedAt = milliseconds }
    }

    mutating func accept(_ key: Key) -> Verdict {
        if recentSet.contains(key) {
            awaitingOverlap = false
            return .duplicate
        }
        var gap: Gap?
        if awaitingOverlap {
            gap = Gap(from: lastTimeNano.map { $0 / 1_000_000 } ?? disconnectedAt, to: key.timeNano / 1_000_000)
            awaitingOverlap = false
        }
        disconnectedAt = nil
        remember(key)
        lastTimeNano = key.timeNano
        return .new(gap: gap)
    }

    private mutating func remember(_ key: Key) {
        if recent.count < Self.remembered {
            recent.append(key)
        } else {
            recentSet.remove(recent[oldest])
            recent[oldest] = key
            oldest = (oldest + 1) % Self.remembered
        }
        recentSet.insert(key)
    }

    static func key(_ event: DockerEvent) -> Key {
        Key(
            timeNano: event.timeNano ?? (event.time ?? 0) * 1_000_000_000, type: event.type ?? "", action: event.action ?? "",
            actor: event.actor?.id ?? "")
    }
}
