import WharfDocker
import WharfHTTP

/// One container list across every host a user may see: each host asked at once, the answer
/// given within `budget` with what is known. Only hosts the health checker has found up are
/// asked (a down or not yet checked host is listed as unavailable with the checker's words), and
/// one that does not answer in time is listed as such, never waited for.
struct ContainersAcrossHosts: Sendable {
    let service: ContainerService
    let snapshots: ContainerSnapshots

    /// How long the dashboard waits for the slowest host.
    static let budget: Duration = .milliseconds(300)

    /// Containers by state of each of `hosts` from its last list (kept current by its events),
    /// with the images the health checker last counted.
    func counts(_ hosts: [DockerHost]) async -> [Int64: HostStatus.Counts] {
        var result: [Int64: HostStatus.Counts] = [:]
        for host in hosts {
            guard let counts = await snapshots.counts(host.id) else { continue }
            let images = await service.hosts.health.status(host.id).counts?.images ?? 0
            result[host.id] = HostStatus.Counts(running: counts.running, paused: counts.paused, stopped: counts.stopped, images: images)
        }
        return result
    }

    func list(for principal: Principal, _ query: ContainerQuery, budget: Duration = Self.budget) async throws -> ContainerListJSON {
        var hosts = try await service.hosts.registry.hosts(visibleTo: principal)
        if !query.hosts.isEmpty {
            let wanted = Set(query.hosts.map { $0.lowercased() })
            hosts = hosts.filter { wanted.contains(String($0.id)) || wanted.contains($0.name.lowercased()) }
        }
        var unavailable: [ContainerListJSON.Unavailable] = []
        var asked: [DockerHost] = []
        for host in hosts {
            let status = await service.hosts.health.status(host.id)
            switch status.state {
            case .up: asked.append(host)
            case .down: unavailable.append(.init(hostId: host.id, hostName: host.name, error: status.error ?? "The host is down."))
            case .unknown: unavailable.append(.init(hostId: host.id, hostName: host.name, error: "Not checked yet; its containers appear once it answers."))
            }
        }
        let clients = service.hosts.clients
        let ceiling = HostAccess(ceiling: principal.role)
        enum Outcome: Sendable {
            case listed(DockerHost, [ContainerJSON])
            case stale(DockerHost, [ContainerJSON], Duration)
            case failed(DockerHost, String)
            case late
        }
        // The dashboard's filters (state, name, label) apply to each host's last known list; any
        // other engine filter asks the hosts themselves.
        let local = Set(query.filters.values.keys).isSubset(of: ["status", "name", "label"]) && !query.size
        let snapshots = self.snapshots
        var stale: [ContainerListJSON.Unavailable] = []
        var containers: [ContainerJSON] = []
        var answered: Set<Int64> = []
        await withTaskGroup(of: Outcome.self) { group in
            for host in asked {
                group.addTask {
                    // The scope is built directly: `hosts(visibleTo:)` already applied the grants.
                    let scope = HostScope(host: host, access: ceiling, clients: clients)
                    if local {
                        switch await snapshots.containers(scope, service: service, budget: budget) {
                        case .fresh(let list): return .listed(host, list.filter(query.matches))
                        case .stale(let list, let age): return .stale(host, list.filter(query.matches), age)
                        case .failed(let message): return .failed(host, message)
                        case .late: return .late
                        }
                    }
                    do {
                        return .listed(host, try await service.list(scope, query))
                    } catch let error as any PublicError {
                        return .failed(host, error.publicMessage)
                    } catch {
                        return .failed(host, "\(error)")
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: budget)
                return .late
            }
            collecting: while let outcome = await group.next() {
                switch outcome {
                case .listed(let host, let list):
                    containers += list
                    answered.insert(host.id)
                case .stale(let host, let list, let age):
                    containers += list
                    answered.insert(host.id)
                    let seconds = max(1, Int(age.components.seconds))
                    stale.append(.init(
                        hostId: host.id, hostName: host.name,
                        error: "\(host.name) did not answer in time; its containers as of \(seconds) s ago."))
                case .failed(let host, let message):
                    answered.insert(host.id)
                    unavailable.append(.init(hostId: host.id, hostName: host.name, error: message))
                case .late:
                    // What has not answered by now is listed as such; its calls are cancelled.
                    group.cancelAll()
                    break collecting
                }
                if answered.count == asked.count {
                    group.cancelAll()
                    break collecting
                }
            }
        }
        for host in asked where !answered.contains(host.id) {
            unavailable.append(.init(hostId: host.id, hostName: host.name, error: "\(host.name) did not answer within the page's time budget."))
        }
        return ContainerListJSON(
            containers: query.sorted(containers), unavailable: unavailable.sorted { $0.hostName < $1.hostName },
            stale: stale.sorted { $0.hostName < $1.hostName })
    }
}
