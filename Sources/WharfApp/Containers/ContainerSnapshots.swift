import WharfDocker

/// The last known container list of each host (`all=true`, no sizes), for the list across hosts:
/// a page asks every host, and most of the time the answer a moment ago is the answer now.
///
/// With an ``EventHub`` the lists stay fresh from the hosts' engine events instead of by age: a
/// host that is asked is followed through its shared event stream (the one upstream every page
/// and API client of that host uses) until it has not been asked for `followIdle`; while that
/// stream is live, a host's list is kept until a container event (create, start, die, rename,
/// health, network connect…), a gap or a reconnection says it changed, and `liveMaxAge` at
/// most. While it is not live (connecting, reconnecting), and without a hub, a list younger than
/// `maxAge` is used as it is and an older one is refreshed.
///
/// A refresh is shared by however many pages ask at the same time. A caller waits for it at most
/// its budget; a host that is slower then gets its previous list, said to be older, instead of
/// delaying the page. ``invalidate(_:)`` forces the next ask to refresh.
actor ContainerSnapshots {
    struct Snapshot: Sendable {
        let containers: [ContainerJSON]
        let taken: ContinuousClock.Instant
        /// False once something changed on the host after the list was asked for.
        var current = true
    }

    enum Answer: Sendable {
        case fresh([ContainerJSON])
        /// The host did not answer within the budget; its list from `age` ago.
        case stale([ContainerJSON], age: Duration)
        case failed(String)
        case late
    }

    private var snapshots: [Int64: Snapshot] = [:]
    private var refreshes: [Int64: (generation: Int, task: Task<Snapshot, any Error>)] = [:]
    /// Numbers each refresh and each follow.
    var generation = 0
    /// Per host, how many changes were seen (a refresh that overlaps one stores a list already old).
    private var changes: [Int64: Int] = [:]
    /// Hosts followed through the event hub.
    var follows: [Int64: Follow] = [:]
    let maxAge: Duration
    let liveMaxAge: Duration
    let followIdle: Duration
    let events: EventHub?
    /// How many lists were asked of the engines, and how many changes were seen (tests read them).
    private(set) var refreshCount = 0
    private(set) var changeCount = 0

    init(
        maxAge: Duration = .seconds(2), events: EventHub? = nil, liveMaxAge: Duration = .seconds(60),
        followIdle: Duration = .seconds(300)
    ) {
        self.maxAge = maxAge
        self.events = events
        self.liveMaxAge = liveMaxAge
        self.followIdle = followIdle
    }

    /// The host's containers, within `budget`.
    func containers(_ scope: HostScope, service: ContainerService, budget: Duration) async -> Answer {
        let now = ContinuousClock.now
        let id = scope.host.id
        watch(scope.host)
        let limit = follows[id]?.live == true ? liveMaxAge : maxAge
        if let snapshot = snapshots[id], snapshot.current, now - snapshot.taken < limit { return .fresh(snapshot.containers) }
        let refresh = refreshes[id]?.task ?? startRefresh(scope, service: service)
        let outcome = await withTaskGroup(of: Result<Snapshot, any Error>?.self) { group in
            group.addTask { await refresh.result }
            group.addTask {
                try? await Task.sleep(for: budget)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch outcome {
        case .success(let snapshot)?:
            return .fresh(snapshot.containers)
        case .failure(let error)?:
            return .failed((error as? any PublicError)?.publicMessage ?? "\(error)")
        case nil:
            if let snapshot = snapshots[id] { return .stale(snapshot.containers, age: ContinuousClock.now - snapshot.taken) }
            return .late
        }
    }

    /// Containers by state in the host's last list (the one a page just showed): the dashboard
    /// shows these beside the list instead of the health checker's, which are as old as its
    /// last check, so the page's live part moves counts that agree with its list.
    func counts(_ hostID: Int64) -> (running: Int, paused: Int, stopped: Int)? {
        guard let snapshot = snapshots[hostID] else { return nil }
        var counts = (running: 0, paused: 0, stopped: 0)
        for container in snapshot.containers {
            switch container.state {
            case "running", "restarting": counts.running += 1
            case "paused": counts.paused += 1
            default: counts.stopped += 1
            }
        }
        return counts
    }

    /// The next ask for `hostID` refreshes (a container was created, started, stopped, removed…),
    /// and a refresh under way when this happened stores a list already out of date.
    func invalidate(_ hostID: Int64) {
        changes[hostID, default: 0] += 1
        changeCount += 1
        snapshots[hostID]?.current = false
    }

    /// Forgets a removed host.
    func forget(_ hostID: Int64) {
        snapshots[hostID] = nil
        refreshes[hostID]?.task.cancel()
        refreshes[hostID] = nil
        follows[hostID]?.task.cancel()
        follows[hostID] = nil
    }

    private func startRefresh(_ scope: HostScope, service: ContainerService) -> Task<Snapshot, any Error> {
        let id = scope.host.id
        var query = ContainerQuery()
        query.all = true
        generation += 1
        refreshCount += 1
        let generation = self.generation
        let changesBefore = changes[id, default: 0]
        // Not a child of the asking request: it outlives a page that stops waiting, and the next
        // page gets its answer.
        let task = Task {
            defer { Task { self.finished(id, generation: generation) } }
            let containers = try await service.list(scope, query)
            return self.store(id, containers, changesBefore: changesBefore)
        }
        refreshes[id] = (generation, task)
        return task
    }

    private func store(_ id: Int64, _ containers: [ContainerJSON], changesBefore: Int) -> Snapshot {
        let snapshot = Snapshot(containers: containers, taken: .now, current: changes[id, default: 0] == changesBefore)
        snapshots[id] = snapshot
        return snapshot
    }

    private func finished(_ id: Int64, generation: Int) {
        if refreshes[id]?.generation == generation { refreshes[id] = nil }
    }
}
