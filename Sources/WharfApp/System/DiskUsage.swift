import WharfDocker

/// `GET /system/df`, one call at a time per engine: the engine refuses a second one while the
/// first runs ("a disk usage operation is already running", a 500) and measuring can take
/// seconds. Callers of one engine share the call in flight; a refusal caused by another client's
/// call (the docker CLI, another Wharf) is retried for up to 30 s.
enum DiskUsage {
    static func read(_ client: DockerClient) async throws -> DockerDiskUsage {
        try await flights.run(client)
    }

    private static let flights = Flights()

    /// The calls in flight, by client (one client per host; an entry lives only while its call
    /// runs, so an identifier is never reused meanwhile).
    private actor Flights {
        private var running: [ObjectIdentifier: Task<DockerDiskUsage, any Error>] = [:]

        func run(_ client: DockerClient) async throws -> DockerDiskUsage {
            let key = ObjectIdentifier(client)
            if let task = running[key] { return try await task.value }
            let task = Task { try await DiskUsage.retrying(client) }
            running[key] = task
            defer { running[key] = nil }
            return try await task.value
        }
    }

    static func retrying(_ client: DockerClient) async throws -> DockerDiskUsage {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while true {
            do {
                return try await client.diskUsage()
            } catch DockerError.api(_, let message) where message.contains("disk usage operation is already running") && clock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}
