import FoundationEssentials
import WharfDocker
import WharfHTTP

/// One stats sample as pages and the API show it.
struct StatsSample: Encodable, Sendable, Equatable {
    /// Unix time of the sample, milliseconds.
    let time: Int64
    /// Percent of one CPU (200 = two CPUs busy), as `docker stats` shows it; nil for the first sample.
    let cpuPercent: Double?
    let memoryUsage: UInt64?
    let memoryLimit: UInt64?
    let networkReceived: UInt64
    let networkSent: UInt64
    let blockRead: UInt64
    let blockWritten: UInt64
    let pids: Int?

    init(_ stats: ContainerStats, time: Int64) {
        self.time = time
        cpuPercent = stats.cpuPercent.map { ($0 * 100).rounded() / 100 }
        memoryUsage = stats.memoryStats?.usage
        memoryLimit = stats.memoryStats?.limit
        (networkReceived, networkSent) = stats.networkTotals
        (blockRead, blockWritten) = stats.blockTotals
        pids = stats.pidsStats?.current
    }

    static let schema = JSONSchema.named("StatsSample", .object([
        "time": .integer(description: "Unix time, milliseconds."),
        "cpuPercent": .nullable(.number(description: "Percent of one CPU; 200 is two CPUs busy.")),
        "memoryUsage": .nullable(.integer()), "memoryLimit": .nullable(.integer()),
        "networkReceived": .integer(), "networkSent": .integer(), "blockRead": .integer(), "blockWritten": .integer(),
        "pids": .nullable(.integer()),
    ], required: ["time", "networkReceived", "networkSent", "blockRead", "blockWritten"]))
}

/// Live stats of containers: one engine stats stream per container, shared by every viewer and
/// stopped when the last one leaves (``Fanout``).
struct ContainerStatsFollowers: Sendable {
    let fanout: Fanout<ContainerLogFollowers.Key, StatsSample>

    init(hosts: HostServices) {
        fanout = Fanout(bufferLimit: 16) { key, publish in
            guard let host = try await hosts.registry.host(String(key.hostID)) else { return }
            let client = try await hosts.clients.client(for: host)
            let stream = try await client.containerStats(key.containerID)
            defer { stream.close() }
            for try await stats in stream { await publish(StatsSample(stats, time: AuditEntry.now())) }
        }
    }

    /// Server-sent `stats` events, one a second, each a ``StatsSample`` as JSON; `end` when the
    /// container stops.
    func events(_ container: ContainerService.Reference, scope: HostScope) -> HTTPResponse {
        let key = ContainerLogFollowers.Key(hostID: scope.host.id, containerID: container.id)
        let fanout = self.fanout
        return .eventStream { stream in
            let (id, live, _) = await fanout.subscribe(key)
            defer { Task { await fanout.unsubscribe(key, id: id) } }
            for await event in live {
                switch event {
                case .element(let sample):
                    try await stream.send(ServerSentEvent(event: "stats", data: String(decoding: try JSONBody.encode(sample), as: UTF8.self)))
                case .end(let failure):
                    try await stream.send(ServerSentEvent(event: "end", data: failure ?? "The container stopped."))
                    return
                }
            }
        }
    }
}
