import WharfDocker

/// The hub's memory, per host: the last events and gaps (so a browser that reconnects with
/// `Last-Event-ID`, or a page that opens, gets what it missed), the stream's continuity
/// (``EventContinuity``: `since`, duplicates, gaps) and its current state. It outlives each
/// upstream connection, so a stream that stops when its last watcher leaves and starts again
/// later resumes from where it was.
actor EventHistory {
    /// Events and gaps kept per host for replay.
    static let kept = 512

    private struct HostLog {
        var ring: [HostEventItem] = []
        var start = 0
        /// The highest sequence number no longer in `ring` (0: nothing dropped yet).
        var droppedThrough: UInt64 = 0
        var continuity = EventContinuity()
        var status: HostEventItem?

        mutating func append(_ item: HostEventItem) {
            if ring.count < EventHistory.kept {
                ring.append(item)
            } else {
                droppedThrough = ring[start].seq
                ring[start] = item
                start = (start + 1) % EventHistory.kept
            }
        }

        var ordered: [HostEventItem] { Array(ring[start...] + ring[..<start]) }
    }

    /// When this hub started (Unix ms): the first part of every cursor.
    let epoch: Int64
    private var nextSeq: UInt64 = 1
    private var logs: [Int64: HostLog] = [:]

    init(epoch: Int64) { self.epoch = epoch }

    /// The `since` the next connection to `host` follows from (nil: from now).
    func since(_ host: Int64) -> String? { logs[host]?.continuity.since }

    /// Records an engine event; returns what to publish: nothing (a replayed duplicate), the
    /// event, or a gap then the event.
    func accept(_ event: DockerEvent, host: DockerHost) -> [HostEventItem] {
        // Taken out of the table while it changes: a copy left in it would make the first change
        // copy the whole ring and continuity (1,500 items and keys, 130 µs) for every event.
        var log = logs.removeValue(forKey: host.id) ?? HostLog()
        defer { logs[host.id] = log }
        guard case .new(let gap) = log.continuity.accept(EventContinuity.key(event)) else { return [] }
        var items: [HostEventItem] = []
        if let gap {
            let item = sequenced(host.id) { cursor in
                .gap(EventGapJSON(
                    id: cursor, hostId: host.id, hostName: host.name, from: gap.from, to: gap.to,
                    reason: "The connection to the engine was lost and the engine could not replay every event since "
                        + "(it restarted, or more than its last 256 events passed): events in between may be missing."))
            }
            log.append(item)
            items.append(item)
        }
        let item = sequenced(host.id) { cursor in .event(EngineEventJSON(event, id: cursor, hostID: host.id, hostName: host.name)) }
        log.append(item)
        items.append(item)
        return items
    }

    /// The connection to `host` answered.
    func connected(_ host: DockerHost, engineSeconds: Int64?) -> HostEventItem {
        logs[host.id, default: HostLog()].continuity.connected(engineSeconds: engineSeconds)
        return setStatus(host.id, host.name, "live", "Following the engine's events.")
    }

    /// The connection to `host` ended or could not be made.
    func disconnected(_ host: DockerHost, at milliseconds: Int64, reason: String, retryIn seconds: Double) -> HostEventItem {
        logs[host.id, default: HostLog()].continuity.disconnected(at: milliseconds)
        let retry = seconds < 1 ? "in a moment" : "in \(Int(seconds.rounded())) s"
        return setStatus(host.id, host.name, "reconnecting", "\(reason) Reconnecting \(retry).")
    }

    func setStatus(_ hostID: Int64, _ hostName: String, _ state: String, _ message: String) -> HostEventItem {
        let item = HostEventItem(
            hostID: hostID, seq: 0, payload: .status(EventStatusJSON(hostId: hostID, hostName: hostName, state: state, message: message)),
            cursor: nil)
        logs[hostID, default: HostLog()].status = item
        return item
    }

    /// What a new subscriber of `hosts` gets before live items: each host's state, then the events
    /// and gaps after `cursor` (a resuming client), or the last `recent` of each (a new page),
    /// merged in stream order. A cursor of another process, or one older than what is kept,
    /// gets a gap first: those events cannot be replayed.
    func replay(_ hosts: [DockerHost], after cursor: EventCursor?, recent: Int) -> [HostEventItem] {
        var statuses: [HostEventItem] = []
        var gaps: [HostEventItem] = []
        var items: [HostEventItem] = []
        for host in hosts {
            guard let log = logs[host.id] else { continue }
            if let status = log.status { statuses.append(status) }
            let ordered = log.ordered
            guard let cursor else {
                items += ordered.suffix(recent)
                continue
            }
            let sameProcess = cursor.epoch == epoch
            let after = sameProcess ? cursor.seq : 0
            if !sameProcess || (log.droppedThrough > cursor.seq && !ordered.isEmpty) {
                let reason = sameProcess
                    ? "Wharf no longer holds every event since you were last connected (it keeps the last \(Self.kept) per host)."
                    : "Wharf restarted since you were last connected; events from before are not held."
                gaps.append(sequenced(host.id) { id in
                    .gap(EventGapJSON(id: id, hostId: host.id, hostName: host.name, from: nil, to: nil, reason: reason))
                })
            }
            if sameProcess { items += ordered.filter { $0.seq > after } }
        }
        return statuses + gaps + items.sorted { $0.seq < $1.seq }
    }

    /// The current cursor (the last sequence number handed out).
    var cursor: EventCursor { EventCursor(epoch: epoch, seq: nextSeq - 1) }

    private func sequenced(_ host: Int64, _ payload: (String) -> HostEventItem.Payload) -> HostEventItem {
        let seq = nextSeq
        nextSeq += 1
        let cursor = EventCursor(epoch: epoch, seq: seq).text
        return HostEventItem(hostID: host, seq: seq, payload: payload(cursor), cursor: cursor)
    }
}
