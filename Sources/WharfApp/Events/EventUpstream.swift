import WharfDocker
import WharfHTTP

/// The one `GET /events` of one host: follows it, records each event in the history (which
/// drops replayed duplicates and marks gaps) and publishes it; when the stream ends or fails, or
/// the health checker finds the host down while it seemed connected, it reconnects after a
/// backoff with `since`. Runs until cancelled (the last subscriber left) or the host is removed.
struct EventUpstream: Sendable {
    let hostID: Int64
    let hosts: HostServices
    let history: EventHistory
    let backoff: EventHub.Backoff

    /// The stream ended while the engine seemed reachable (it closed it, or restarted).
    struct Ended: Error, CustomStringConvertible {
        var description: String { "The engine closed the event stream." }
    }

    /// The host was edited (address, certificates) or removed: follow it anew.
    struct HostChanged: Error, CustomStringConvertible {
        var description: String { "The host's settings changed." }
    }

    /// The health checker found the host down after this stream connected.
    struct HostDown: Error, CustomStringConvertible {
        let reason: String
        var description: String { "The host stopped answering (\(reason))." }
    }

    func run(_ publish: @escaping @Sendable ([HostEventItem]) async -> Void) async throws {
        var delay = backoff.first
        while !Task.isCancelled {
            guard let host = try await hosts.registry.host(String(hostID)) else {
                await publish([await history.setStatus(hostID, "host \(hostID)", "stopped", "This host was removed from Wharf.")])
                return
            }
            let failure: any Error
            do {
                try await follow(host, publish: publish) { delay = backoff.first }
                return
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                failure = error
            }
            let reason = (failure as? any PublicError)?.publicMessage ?? String(describing: failure)
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            await publish([await history.disconnected(host, at: AuditEntry.now(), reason: Self.sentence(reason), retryIn: seconds)])
            try await Task.sleep(for: delay)
            delay = min(delay * 2, backoff.limit)
        }
    }

    /// One connection: open, publish until it ends. Never returns normally (an end is ``Ended``).
    private func follow(
        _ host: DockerHost, publish: @escaping @Sendable ([HostEventItem]) async -> Void, connected: () -> Void
    ) async throws {
        let client = try await hosts.clients.client(for: host)
        let since = await history.since(host.id)
        let (events, date) = try await client.followEvents(since: since)
        defer { events.close() }
        let connectedAt = AuditEntry.now()
        connected()
        await publish([await history.connected(host, engineSeconds: date.flatMap(HTTPDate.seconds))])
        let history = self.history
        let health = hosts.health
        let registry = hosts.registry
        let watchdog = backoff.watchdog
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await event in events {
                    let items = await history.accept(event, host: host)
                    if !items.isEmpty { await publish(items) }
                }
                throw Ended()
            }
            group.addTask {
                // A cut that sends no reset leaves the stream silent forever: trust the health
                // checker's verdict from after this connection began. A host edited or removed
                // is followed anew (or no more).
                while true {
                    try await Task.sleep(for: watchdog)
                    if try await registry.host(String(host.id)) != host { throw HostChanged() }
                    let status = await health.status(host.id)
                    if status.state == .down, let checked = status.checkedMilliseconds, checked > connectedAt {
                        throw HostDown(reason: status.error ?? "down")
                    }
                }
            }
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }

    /// A message as a sentence ending with a full stop.
    static func sentence(_ text: String) -> String {
        text.hasSuffix(".") ? text : text + "."
    }
}
