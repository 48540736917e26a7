package import WharfDocker
package import WharfIO

/// What Wharf last learned about a host's engine: reachable or not, why not, how fast, which versions.
package struct HostStatus: Sendable, Equatable {
    package enum State: String, Sendable, CaseIterable {
        case unknown, up, down
    }

    package var state: State = .unknown
    /// The precise failure (refused, timed out, unknown CA, name mismatch…) when down.
    package var error: String?
    /// Round trip of `GET /_ping`, milliseconds.
    package var latencyMilliseconds: Int?
    /// When the check finished, milliseconds since the epoch.
    package var checkedMilliseconds: Int64?
    package var engineVersion: String?
    package var apiVersion: String?
    /// Containers by state and images, from `GET /info` at each check (nil when it failed).
    package var counts: Counts?
    /// Volumes and bytes used, from `GET /system/df`, which is costly for the engine: refreshed
    /// at most every ``diskUsageInterval`` (the last answer is kept between).
    package var diskUsage: DiskUsage?

    package struct Counts: Sendable, Equatable {
        package var running, paused, stopped, images: Int
    }

    package struct DiskUsage: Sendable, Equatable {
        package var volumes: Int
        package var bytes: Int64
        package var checkedMilliseconds: Int64
    }

    /// How often a host's disk use is asked for, milliseconds.
    package static let diskUsageInterval: Int64 = 5 * 60 * 1000
    /// What kind of failure made the host down (``DockerError/metricKind``), for metrics.
    package var errorKind: String?

    package init() {}

    /// `GET /_ping` (timed) then `GET /version` and `GET /info` on `client`, whose time limits bound
    /// the check; with `diskUsage`, also `GET /system/df`. Only ping and version decide up or down.
    package static func check(
        _ client: DockerClient, diskUsage: Bool = false, now: @Sendable () -> Int64 = TimeSource.system.now
    ) async -> HostStatus {
        var status = HostStatus()
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let ping = try await client.ping()
            let elapsed = clock.now - start
            status.latencyMilliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            let version = try await client.version()
            status.state = .up
            status.engineVersion = version.version
            status.apiVersion = ping.apiVersion ?? version.apiVersion
            if let info = try? await client.info() {
                status.counts = Counts(
                    running: info.containersRunning, paused: info.containersPaused, stopped: info.containersStopped, images: info.images)
            }
            if diskUsage, let usage = try? await client.diskUsage() {
                let layers: Int64 = usage.layersSize ?? 0
                let containers: Int64 = (usage.containers ?? []).reduce(0) { $0 + ($1.sizeRw ?? 0) }
                let volumes: Int64 = (usage.volumes ?? []).reduce(0) { $0 + max(0, $1.usageData?.size ?? 0) }
                let buildCache: Int64 = (usage.buildCache ?? []).reduce(0) { $0 + ($1.size ?? 0) }
                let bytes = layers + containers + volumes + buildCache
                status.diskUsage = DiskUsage(volumes: usage.volumes?.count ?? 0, bytes: bytes, checkedMilliseconds: now())
            }
        } catch {
            status.state = .down
            status.error = String(describing: error)
            status.errorKind = (error as? DockerError)?.metricKind ?? "other"
        }
        status.checkedMilliseconds = now()
        return status
    }

    /// The label lists show: "Up", "Down", "Checking…".
    package var label: String {
        switch state {
        case .unknown: "Not checked yet"
        case .up: "Up"
        case .down: "Down"
        }
    }

    /// The badge class: `ok`, `danger` or none.
    package var badge: String {
        switch state {
        case .unknown: ""
        case .up: "ok"
        case .down: "danger"
        }
    }
}

extension HostRegistry {
    /// Checks `host` with a client of its own (probe time limits of `timeout` seconds per phase),
    /// closed afterwards: for the CLI, which has no cached clients.
    package func check(_ host: DockerHost, group: EventLoopGroup, timeout: Double = 3) async -> HostStatus {
        do {
            let client = DockerClient(endpoint: try endpoint(for: host), group: group, timeouts: HostClients.timeouts(timeout))
            let status = await HostStatus.check(client)
            client.shutdown()
            return status
        } catch {
            var status = HostStatus()
            status.state = .down
            status.error = String(describing: error)
            status.checkedMilliseconds = TimeSource.system.now()
            return status
        }
    }
}

extension DockerError {
    /// The error's kind as a bounded metric label: `unreachable`, `timed_out`, `tls`, `api`…
    package var metricKind: String {
        switch self {
        case .unreachable: "unreachable"
        case .timedOut: "timed_out"
        case .tls: "tls"
        case .api: "api"
        case .stream: "stream"
        case .engineTooOld: "engine_too_old"
        case .connectionLost: "connection_lost"
        case .protocolViolation: "protocol_violation"
        case .decoding: "decoding"
        case .invalidEndpoint: "invalid_endpoint"
        case .invalidRequest: "invalid_request"
        }
    }
}
