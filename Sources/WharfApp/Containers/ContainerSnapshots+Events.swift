import WharfDocker

/// Following the hosts whose lists are kept: each through the hub's shared stream
/// (``EventHub/follow(_:after:recent:)``), for as long as it is asked.
extension ContainerSnapshots {
    struct Follow: Sendable {
        let task: Task<Void, Never>
        let generation: Int
        /// The host's stream is connected: what changes arrives as events.
        var live = false
        var lastAsked: ContinuousClock.Instant
    }

    /// Container events that leave a container's list entry as it was: nothing to refresh.
    static let unchanging: Set<String> = [
        "attach", "detach", "top", "resize", "export", "copy", "archive-path", "extract-to-dir", "commit",
    ]

    /// Whether `event` changes what a host's container list says.
    static func changesList(_ event: EngineEventJSON) -> Bool {
        switch event.type {
        case "container":
            let action = event.action.split(separator: ":").first.map(String.init) ?? event.action
            return !action.hasPrefix("exec_") && !unchanging.contains(action)
        case "network":
            return event.action == "connect" || event.action == "disconnect"
        default:
            return false
        }
    }

    /// Records that `host` was asked, and starts following it if it is not yet.
    func watch(_ host: DockerHost) {
        let now = ContinuousClock.now
        if follows[host.id] != nil {
            follows[host.id]?.lastAsked = now
            return
        }
        guard let events else { return }
        let id = host.id
        let idle = followIdle
        let check = min(idle, .seconds(30))
        generation += 1
        let generation = self.generation
        let task = Task {
            let stream = events.follow([host])
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await item in stream { await self.observe(item) }
                }
                group.addTask {
                    while !Task.isCancelled, await !self.idle(id, for: idle) {
                        try? await Task.sleep(for: check)
                    }
                }
                _ = await group.next()
                group.cancelAll()
            }
            self.followEnded(id, generation: generation)
        }
        follows[id] = Follow(task: task, generation: generation, lastAsked: now)
    }

    /// One item of a followed host's stream.
    func observe(_ item: HostEventItem) {
        let id = item.hostID
        switch item.payload {
        case .event(let event):
            if Self.changesList(event) { invalidate(id) }
        case .gap:
            invalidate(id)
        case .status(let status):
            // Connected anew (or first): what happened while it was not is unknown.
            follows[id]?.live = status.state == "live"
            invalidate(id)
            if status.state == "stopped" { forget(id) }
        }
    }

    /// Whether the hosts followed and live (tests read it).
    func isFollowedLive(_ hostID: Int64) -> Bool { follows[hostID]?.live == true }

    private func idle(_ id: Int64, for limit: Duration) -> Bool {
        guard let follow = follows[id] else { return true }
        return ContinuousClock.now - follow.lastAsked >= limit
    }

    private func followEnded(_ id: Int64, generation: Int) {
        if follows[id]?.generation == generation { follows[id] = nil }
    }
}
