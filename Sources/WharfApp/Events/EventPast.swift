import Synchronization
import WharfDocker
import WharfHTTP
import WharfWire

/// Past events on request, as a list: `GET /events` with `since` and `until` (so the engine
/// ends the answer), bounded in count and time. The engine answers from its memory (its last
/// 256 events), as `docker events --since --until` does; older ones are not kept anywhere.
enum EventPast {
    static let limit = 1000

    /// Now, in Unix milliseconds, by the wall clock: `since` and `until` go to an engine, whose
    /// clock is a real one (not the application's time source, which tests may hold still).
    static func now() -> Int64 { AuditEntry.now() }

    /// The window asked for, in Unix milliseconds (an `until` of now must not cut off the
    /// current second).
    struct Window: Sendable, Equatable {
        var since: Int64
        var until: Int64
        var sinceText = ""
        var untilText = ""

        /// `since`/`until` as durations (`10m`: that long ago), dates or Unix times; `until`
        /// defaults to now (`now` in Unix ms). - Throws: 422 naming the field.
        init(since: String?, until: String?, now: Int64) throws {
            sinceText = String(since?.trimmingASCIISpaces() ?? "")
            untilText = String(until?.trimmingASCIISpaces() ?? "")
            func parse(_ text: String, _ field: String) throws -> Int64? {
                guard !text.isEmpty else { return nil }
                guard let seconds = PruneFilters.cutoff(text, now: now / 1000) else {
                    throw FieldErrors([field: "Give a duration like 10m (that long ago), a date like 2026-11-24T18:00, or a Unix time."])
                }
                return seconds * 1000
            }
            self.since = try parse(sinceText, "since") ?? 0
            self.until = min(try parse(untilText, "until") ?? now, now)
            if self.since > self.until { throw FieldErrors(["since": "since must be before until."]) }
        }
    }

    static func list(_ scope: HostScope, filter: EventFilter, window: Window) async throws -> [EngineEventJSON] {
        let stream = try await scope.engine { client in
            try await client.events(
                since: Self.engineTime(window.since), until: Self.engineTime(window.until), filters: filter.isEmpty ? nil : filter.filters)
        }
        let collected = Collected()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await event in stream {
                        let full = collected.events.withLock { events in
                            events.append(event)
                            return events.count >= limit
                        }
                        if full { break }
                    }
                }
                group.addTask {
                    // An engine whose clock is behind Wharf's waits for `until`: stop at 3 s.
                    try await Task.sleep(for: .seconds(3))
                    collected.timedOut.withLock { $0 = true }
                    stream.close()
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch {
            // Closed at the deadline: what came is the answer. Otherwise the engine failed.
            if !collected.timedOut.withLock({ $0 }) {
                if let error = error as? DockerError { throw EngineError(hostName: scope.host.name, error) }
                throw HTTPError(.badGateway, "The events of \(scope.host.name) could not be read: \(error).")
            }
        }
        stream.close()
        return Array(collected.events.withLock { $0 }.map { EngineEventJSON($0, id: nil, hostID: scope.host.id, hostName: scope.host.name) }.reversed())
    }
}

extension EventPast {
    /// Unix milliseconds as the engine's `seconds.nanoseconds`.
    static func engineTime(_ milliseconds: Int64) -> String {
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)000000"
    }
}

/// What the reader collected, and whether the deadline closed the stream (shared by the two tasks).
private final class Collected: Sendable {
    let events = Mutex<[DockerEvent]>([])
    let timedOut = Mutex(false)
}
