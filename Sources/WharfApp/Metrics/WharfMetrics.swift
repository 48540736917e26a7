import Glibc
import WharfHTTP
import WharfSQLite

/// The metrics Wharf exports and where each comes from. A feature registers its own on
/// ``registry`` in one line each.
package final class WharfMetrics: Sendable {
    package let registry = MetricsRegistry()
    let requests: Counter
    let requestDuration: Histogram
    let signInFailures: Counter
    let signInThrottled: Counter
    /// When the process started (Unix seconds), for `process_start_time_seconds` and uptime.
    let startTime: Double

    package init() {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        startTime = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
        requests = registry.counter(
            "wharf_http_requests_total", "HTTP requests answered by the application, by method, route template and status class.",
            labels: ["method", "route", "status"])
        requestDuration = registry.histogram(
            "wharf_http_request_duration_seconds", "Time from a complete request head to the response head, by route template.",
            labels: ["route"], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
        signInFailures = registry.counter(
            "wharf_signin_failures_total", "Failed sign-in attempts, by step (password or second_factor).", labels: ["step"])
        signInThrottled = registry.counter("wharf_signin_throttled_total", "Sign-in attempts refused by throttling (429).")
    }

    /// Registers what is read at scrape time: the server, the database, hosts and the process.
    func registerSources(server: HTTPServer, database: Database, hosts: HostServices, version: String, commit: String) {
        let start = startTime
        registry.collect("wharf_build_info", "Wharf's version and the commit it was built from.", type: "gauge",
                         labels: ["version", "commit"]) { [Sample(labels: [version, commit], value: 1)] }
        registry.gauge("wharf_http_connections_open", "Open HTTP connections, idle and active.") { Double(server.connectionCount) }
        registry.gauge("wharf_http_event_streams_open", "Server-sent event streams being sent (logs, stats, events, jobs).") {
            Double(server.eventStreamCount)
        }
        registry.gauge("wharf_http_upgraded_streams_open", "Connections switched to raw streams (docker attach and exec) open now.") {
            Double(server.upgradedStreamCount)
        }
        registry.collect("wharf_jobs", "Jobs kept in the database by kind and status (queued and running ones are in flight).",
                         type: "gauge", labels: ["kind", "status"]) {
            let samples = try? await database.read { connection in
                try connection.query("SELECT kind, status, COUNT(*) FROM jobs GROUP BY kind, status ORDER BY kind, status").map { row in
                    Sample(labels: [try row.get(0, as: String.self), try row.get(1, as: String.self)],
                           value: Double(try row.get(2, as: Int64.self)))
                }
            }
            return samples ?? []
        }
        registry.collect("wharf_host_up", "Whether each host's engine answered its last health check (1) or not (0).",
                         type: "gauge", labels: ["host"]) { await Self.hostSamples(database: database, hosts: hosts) { $0.state == .up ? 1 : 0 } }
        registry.collect("wharf_host_engine_latency_seconds", "Each host's engine ping time at its last successful check.",
                         type: "gauge", labels: ["host"]) {
            await Self.hostSamples(database: database, hosts: hosts) { status in status.latencyMilliseconds.map { Double($0) / 1000 } }
        }
        registry.collect("wharf_docker_errors_total", "Failed Docker engine calls (health checks and users' requests), by kind of error.",
                         type: "counter", labels: ["kind"]) {
            let counts = (await hosts.health.errorCounts).merging(hosts.clients.engineErrors.all, uniquingKeysWith: +)
            return counts.sorted { $0.key < $1.key }.map { Sample(labels: [$0.key], value: Double($0.value)) }
        }
        registry.collect("wharf_audit_rows_written_total", "Audit rows ever appended, by the server or the CLI (the audit log's sequence).",
                         type: "counter") {
            let count = try? await database.read { connection in
                try connection.queryValue("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'", as: Int64.self) ?? 0
            }
            return count.map { [Sample(labels: [], value: Double($0))] } ?? []
        }
        registry.gauge("wharf_database_size_bytes", "Size of the database file.") { ProcessStats.fileSize(database.path) }
        registry.gauge("wharf_database_wal_size_bytes", "Size of the database's write-ahead log.") {
            ProcessStats.fileSize(database.path + "-wal")
        }
        registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.") { ProcessStats.residentBytes() }
        registry.gauge("process_open_fds", "Open file descriptors.") { ProcessStats.openDescriptors() }
        registry.gauge("process_max_fds", "The limit on open file descriptors.") { ProcessStats.maxDescriptors() }
        registry.collect("process_cpu_seconds_total", "User and system CPU time spent, in seconds.", type: "counter") {
            ProcessStats.cpuSeconds().map { [Sample(labels: [], value: $0)] } ?? []
        }
        registry.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.") { start }
        registry.gauge("wharf_uptime_seconds", "Seconds since Wharf started.") {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - start
        }
    }

    /// One sample per host that `value` has a number for, labelled with the host's name.
    private static func hostSamples(
        database: Database, hosts: HostServices, _ value: @Sendable (HostStatus) -> Double?
    ) async -> [Sample] {
        guard let rows = try? await database.read({ connection in try HostRepository.all(on: connection) }) else { return [] }
        let statuses = await hosts.health.all
        return rows.compactMap { host in
            value(statuses[host.id] ?? HostStatus()).map { Sample(labels: [host.name], value: $0) }
        }
    }
}
