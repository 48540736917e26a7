import WharfDocker

/// The last known container list of each host (`all=true`, no sizes), for the list across hosts:
/// a page asks every host, and most of the time the answer a moment ago is the answer now.
///
/// A list younger than `maxAge` is used as it is; an older one is refreshed, once however many
/// pages ask at the same time (they share the refresh). A caller waits for the refresh at most its
/// budget; a host that is slower then gets its previous list, said to be older, instead of
/// delaying the page. ``invalidate(_:)`` (engine events) forces the next ask to refresh.
actor ContainerSnapshots {
    struct Snapshot: Sendable {
        let containers: [ContainerJSON]
        let taken: ContinuousClock.Instant
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
    private var generation = 0
    let maxAge: Duration

    init(maxAge: Duration = .seconds(2)) { self.maxAge = maxAge }

    /// The host's containers, within `budget`.
    func containers(_ scope: HostScope, service: ContainerService, budget: Duration) async -> Answer {
        let now = ContinuousClock.now
        let id = scope.host.id
        if let snapshot = snapshots[id], now - snapshot.taken < maxAge { return .fresh(snapshot.containers) }
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

    /// The next ask for `hostID` refreshes (a container was created, started, stopped, removed…).
    func invalidate(_ hostID: Int64) {
        if let snapshot = snapshots[hostID] { snapshots[hostID] = Snapshot(containers: snapshot.containers, taken: .now - maxAge) }
    }

    /// Forgets a removed host.
    func forget(_ hostID: Int64) {
        snapshots[hostID] = nil
        refreshes[hostID]?.task.cancel()
        refreshes[hostID] = nil
    }

    private func startRefresh(_ scope: HostScope, service: ContainerService) -> Task<Snapshot, any Error> {
        let id = scope.host.id
        var query = ContainerQuery()
        query.all = true
        generation += 1
        let generation = self.generation
        // Not a child of the asking request: it outlives a page that stops waiting, and the next
        // page gets its answer.
        let task = Task {
            defer { Task { await self.finished(id, generation: generation) } }
            let containers = try await service.list(scope, query)
            let snapshot = Snapshot(containers: containers, taken: .now)
            await self.store(id, snapshot)
            return snapshot
        }
        refreshes[id] = (generation, task)
        return task
    }

    private func store(_ id: Int64, _ snapshot: Snapshot) { snapshots[id] = snapshot }
    private func finished(_ id: Int64, generation: Int) {
        if refreshes[id]?.generation == generation { refreshes[id] = nil }
    }
}
