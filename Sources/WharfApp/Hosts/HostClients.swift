package import WharfDocker
package import WharfIO

/// One ``DockerClient`` per registered host, built on first use on the application's event loops
/// and cached; a host whose row changed (address, certificates, key) gets a new client, and a
/// removed host's client is closed.
///
/// Each host also has a probe client with short time limits for health checks and "Test
/// connection", so a dead engine is reported in seconds and never holds a page.
package actor HostClients {
    private struct Entry {
        var host: DockerHost
        var client: DockerClient
        var probe: DockerClient
    }

    private let group: EventLoopGroup
    private let registry: HostRegistry
    package let probeTimeouts: DockerTimeouts
    /// Engine calls that failed for a user's request (``HostScope/engine(subject:_:)``), for metrics.
    package nonisolated let engineErrors = EngineErrorCounts()
    private var entries: [Int64: Entry] = [:]

    package init(group: EventLoopGroup, registry: HostRegistry, probeTimeout: Double = 3) {
        self.group = group
        self.registry = registry
        probeTimeouts = Self.timeouts(probeTimeout)
    }

    /// Time limits of `seconds` for every phase.
    package static func timeouts(_ seconds: Double) -> DockerTimeouts {
        var timeouts = DockerTimeouts()
        timeouts.connect = seconds
        timeouts.tlsHandshake = seconds
        timeouts.requestWrite = seconds
        timeouts.responseHead = seconds
        timeouts.bodyIdle = seconds
        return timeouts
    }

    /// The client for `host`, with the standard time limits.
    package func client(for host: DockerHost) throws -> DockerClient { try entry(for: host).client }

    /// The client health checks use for `host`.
    package func probe(for host: DockerHost) throws -> DockerClient { try entry(for: host).probe }

    /// A throwaway client with the probe limits, for checking a form before it is saved.
    package func temporaryProbe(_ endpoint: DockerEndpoint) -> DockerClient {
        DockerClient(endpoint: endpoint, group: group, timeouts: probeTimeouts, maxIdleConnections: 0)
    }

    /// Closes and forgets the clients of host `id`.
    package func remove(id: Int64) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        entry.client.shutdown()
        entry.probe.shutdown()
    }

    /// Forgets the clients of hosts not in `ids` (removed by another process, e.g. the CLI).
    package func retain(ids: Set<Int64>) {
        for id in entries.keys where !ids.contains(id) { remove(id: id) }
    }

    package func shutdown() {
        for id in Array(entries.keys) { remove(id: id) }
    }

    private func entry(for host: DockerHost) throws -> Entry {
        if let entry = entries[host.id], entry.host == host { return entry }
        remove(id: host.id)
        let endpoint = try registry.endpoint(for: host)
        let entry = Entry(
            host: host, client: DockerClient(endpoint: endpoint, group: group),
            probe: DockerClient(endpoint: endpoint, group: group, timeouts: probeTimeouts, maxIdleConnections: 1))
        entries[host.id] = entry
        return entry
    }
}
