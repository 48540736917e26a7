import WharfDocker

/// The health of every host, in memory: the checker writes it, pages and the API read it without
/// waiting for any engine.
package actor HostHealth {
    private var statuses: [Int64: HostStatus] = [:]
    private var started: [Int64: ContinuousClock.Instant] = [:]
    private var inFlight: Set<Int64> = []
    private var due: Set<Int64> = []
    private var generations: [Int64: Int] = [:]
    /// Failed checks since start, by ``DockerError/metricKind`` (`wharf_docker_errors_total`).
    package private(set) var errorCounts: [String: Int] = [:]

    package init() {}

    package func status(_ id: Int64) -> HostStatus { statuses[id] ?? HostStatus() }

    /// Every stored status, by host id (metrics).
    package var all: [Int64: HostStatus] { statuses }

    /// Stores a check's result, unless the host was edited while it ran (then the result is about
    /// the old address or certificates, and the next tick checks again).
    package func set(_ id: Int64, _ status: HostStatus, generation: Int) {
        inFlight.remove(id)
        if let kind = status.errorKind { errorCounts[kind, default: 0] += 1 }
        guard generation == generations[id, default: 0] else { return }
        statuses[id] = status
    }

    /// Changes with every edit of host `id`: a check stores its result only if it did not change meanwhile.
    package func generation(_ id: Int64) -> Int { generations[id, default: 0] }

    /// Asks for host `id` to be checked at the checker's next tick (after an add or edit).
    package func checkSoon(_ id: Int64) {
        due.insert(id)
        generations[id, default: 0] += 1
        statuses[id] = nil
    }

    package func forget(_ id: Int64) {
        statuses[id] = nil
        started[id] = nil
        inFlight.remove(id)
        due.remove(id)
        generations[id] = nil
    }

    /// Which of `ids` to check now: not in flight, and never checked, asked for, or last started
    /// `interval` ago. Marks them in flight.
    package func claim(_ ids: [Int64], interval: Duration, now: ContinuousClock.Instant) -> [Int64] {
        var claimed: [Int64] = []
        for id in ids where !inFlight.contains(id) {
            let isDue = due.contains(id) || started[id].map { now - $0 >= interval } ?? true
            guard isDue else { continue }
            due.remove(id)
            inFlight.insert(id)
            started[id] = now
            claimed.append(id)
        }
        let known = Set(ids)
        for id in Array(statuses.keys) where !known.contains(id) { forget(id) }
        return claimed
    }
}

/// Pings every host every `interval` (30 s by default), each in its own task with the probe's short
/// time limits: a dead or frozen engine only delays its own status, never another host or a page.
package struct HostHealthChecker: Sendable {
    package let registry: HostRegistry
    package let clients: HostClients
    package let health: HostHealth
    package let interval: Duration
    /// How often the checker looks for due hosts (and for hosts added or edited meanwhile).
    package var tick: Duration = .seconds(1)

    package init(registry: HostRegistry, clients: HostClients, health: HostHealth, interval: Duration) {
        self.registry = registry
        self.clients = clients
        self.health = health
        self.interval = interval
    }

    /// Runs until cancelled.
    package func run() async {
        let clock = ContinuousClock()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                if let hosts = try? await registry.hosts() {
                    await clients.retain(ids: Set(hosts.map(\.id)))
                    let claimed = Set(await health.claim(hosts.map(\.id), interval: interval, now: clock.now))
                    for host in hosts where claimed.contains(host.id) {
                        group.addTask { await check(host) }
                    }
                }
                try? await Task.sleep(for: tick)
            }
            group.cancelAll()
        }
    }

    /// Checks one host now and stores the result.
    @discardableResult
    package func check(_ host: DockerHost) async -> HostStatus {
        let generation = await health.generation(host.id)
        let previous = await health.status(host.id).diskUsage
        let now = TimeSource.system.now()
        let diskDue = previous.map { now - $0.checkedMilliseconds >= HostStatus.diskUsageInterval } ?? true
        var status: HostStatus
        do {
            status = await HostStatus.check(try await clients.probe(for: host), diskUsage: diskDue)
            if status.diskUsage == nil, status.state == .up { status.diskUsage = previous }
        } catch {
            var failed = HostStatus()
            failed.state = .down
            failed.error = String(describing: error)
            failed.errorKind = (error as? DockerError)?.metricKind ?? "other"
            failed.checkedMilliseconds = TimeSource.system.now()
            status = failed
        }
        await health.set(host.id, status, generation: generation)
        return status
    }
}
