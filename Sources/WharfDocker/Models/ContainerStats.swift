/// One sample of `GET /containers/{id}/stats` (streamed, or one-shot).
package struct ContainerStats: Decodable, Sendable {
    package var read: String?
    package var cpuStats: CPUStats?
    package var precpuStats: CPUStats?
    package var memoryStats: MemoryStats?
    package var pidsStats: PidsStats?
    package var networks: [String: NetworkStats]?
    package var blkioStats: BlkioStats?

    package struct NetworkStats: Decodable, Sendable {
        package var rxBytes: UInt64?
        package var txBytes: UInt64?

        enum CodingKeys: String, CodingKey { case rxBytes = "rx_bytes", txBytes = "tx_bytes" }
    }

    package struct BlkioStats: Decodable, Sendable {
        package var ioServiceBytesRecursive: [Entry]?

        package struct Entry: Decodable, Sendable {
            /// `Read`/`Write` (cgroup v1) or `read`/`write` (v2), among others.
            package var op: String
            package var value: UInt64
        }

        enum CodingKeys: String, CodingKey { case ioServiceBytesRecursive = "io_service_bytes_recursive" }
    }

    /// Bytes received and sent over every network interface.
    package var networkTotals: (received: UInt64, sent: UInt64) {
        (networks ?? [:]).values.reduce((0, 0)) { ($0.0 + ($1.rxBytes ?? 0), $0.1 + ($1.txBytes ?? 0)) }
    }

    /// Bytes read from and written to block devices.
    package var blockTotals: (read: UInt64, written: UInt64) {
        (blkioStats?.ioServiceBytesRecursive ?? []).reduce((0, 0)) { total, entry in
            switch entry.op.lowercased() {
            case "read": (total.0 + entry.value, total.1)
            case "write": (total.0, total.1 + entry.value)
            default: total
            }
        }
    }

    package struct CPUStats: Decodable, Sendable {
        package var cpuUsage: CPUUsage?
        package var systemCPUUsage: UInt64?
        package var onlineCPUs: Int?

        package struct CPUUsage: Decodable, Sendable {
            package var totalUsage: UInt64?
            enum CodingKeys: String, CodingKey { case totalUsage = "total_usage" }
        }

        enum CodingKeys: String, CodingKey {
            case cpuUsage = "cpu_usage", systemCPUUsage = "system_cpu_usage", onlineCPUs = "online_cpus"
        }
    }

    package struct MemoryStats: Decodable, Sendable {
        package var usage: UInt64?
        package var limit: UInt64?
    }

    package struct PidsStats: Decodable, Sendable {
        package var current: Int?
    }

    /// CPU use since the previous sample, in percent of one CPU times the online CPUs (as `docker stats`).
    package var cpuPercent: Double? {
        guard let total = cpuStats?.cpuUsage?.totalUsage, let previous = precpuStats?.cpuUsage?.totalUsage,
              let system = cpuStats?.systemCPUUsage, let previousSystem = precpuStats?.systemCPUUsage,
              system > previousSystem, total >= previous else { return nil }
        let cpus = Double(cpuStats?.onlineCPUs ?? 1)
        return Double(total - previous) / Double(system - previousSystem) * cpus * 100
    }

    enum CodingKeys: String, CodingKey {
        case read, cpuStats = "cpu_stats", precpuStats = "precpu_stats", memoryStats = "memory_stats"
        case pidsStats = "pids_stats", networks, blkioStats = "blkio_stats"
    }
}
