import WharfDocker

/// A host's system page as `/api/v1` shows it: what `docker info`, `docker version` and
/// `docker system df` show, with documented field names; the engine's `info` under `raw`.
struct HostSystemJSON: Encodable, Sendable {
    struct Engine: Encodable, Sendable {
        let version: String
        let apiVersion: String
        let minAPIVersion: String?
        let os: String?
        let arch: String?
        let goVersion: String?
        let gitCommit: String?
        let buildTime: String?
        let experimental: Bool
        let components: [String: String]
    }

    struct Machine: Encodable, Sendable {
        let name: String
        let operatingSystem: String?
        let osType: String?
        let kernelVersion: String?
        let architecture: String?
        let cpus: Int?
        let memoryBytes: Int64?
        let storageDriver: String?
        let storageStatus: [String]
        let dataRoot: String?
        let loggingDriver: String?
        let cgroupDriver: String?
        let cgroupVersion: String?
        let runtimes: [String]
        let defaultRuntime: String?
        let securityOptions: [String]
        let liveRestore: Bool
        let containers: Int
        let containersRunning: Int
        let containersPaused: Int
        let containersStopped: Int
        let images: Int
        let warnings: [String]
    }

    /// One line of `docker system df`: how many, how many in use, bytes, bytes a prune frees.
    struct Usage: Encodable, Sendable {
        let total: Int
        let active: Int
        let size: Int64
        let reclaimable: Int64
    }

    struct Disk: Encodable, Sendable {
        let images: Usage
        let containers: Usage
        let volumes: Usage
        let buildCache: Usage
    }

    let hostId: Int64
    let hostName: String
    let engine: Engine
    let machine: Machine
    let disk: Disk
    let raw: JSONValue

    init(host: DockerHost, info: DockerSystemInfo, raw: JSONValue, version: DockerVersion, usage: DockerDiskUsage) {
        hostId = host.id
        hostName = host.name
        engine = Engine(
            version: version.version, apiVersion: version.apiVersion, minAPIVersion: version.minAPIVersion, os: version.os,
            arch: version.arch, goVersion: version.goVersion, gitCommit: version.gitCommit, buildTime: version.buildTime,
            experimental: version.experimental ?? false,
            components: Dictionary((version.components ?? []).map { ($0.name, $0.version) }, uniquingKeysWith: { first, _ in first }))
        machine = Machine(
            name: info.name, operatingSystem: info.operatingSystem, osType: info.osType, kernelVersion: info.kernelVersion,
            architecture: info.architecture, cpus: info.cpus, memoryBytes: info.memTotal, storageDriver: info.driver,
            storageStatus: (info.driverStatus ?? []).map { $0.joined(separator: ": ") }, dataRoot: info.dockerRootDir,
            loggingDriver: info.loggingDriver, cgroupDriver: info.cgroupDriver, cgroupVersion: info.cgroupVersion,
            runtimes: (info.runtimes ?? [:]).keys.sorted(), defaultRuntime: info.defaultRuntime,
            securityOptions: info.securityOptions ?? [], liveRestore: info.liveRestoreEnabled ?? false,
            containers: info.containers, containersRunning: info.containersRunning, containersPaused: info.containersPaused,
            containersStopped: info.containersStopped, images: info.images, warnings: info.warnings ?? [])
        disk = Self.disk(usage)
        self.raw = raw
    }

    /// The figures `docker system df` prints, computed as the docker CLI does.
    static func disk(_ usage: DockerDiskUsage) -> Disk {
        let images = usage.images ?? []
        let used = images.filter { ($0.containers ?? 0) > 0 }
        let imageTotal = usage.layersSize ?? images.reduce(0) { $0 + max(0, $1.size - max(0, $1.sharedSize ?? 0)) }
        let imageUsed = used.reduce(Int64(0)) { $0 + max(0, ($1.virtualSize ?? $1.size) - max(0, $1.sharedSize ?? 0)) }
        let containers = usage.containers ?? []
        let active = containers.filter { ["running", "paused", "restarting"].contains($0.state) }
        let containerSize = containers.reduce(Int64(0)) { $0 + max(0, $1.sizeRw ?? 0) }
        let volumes = usage.volumes ?? []
        let volumeSize = volumes.reduce(Int64(0)) { $0 + max(0, $1.usageData?.size ?? 0) }
        let cache = usage.buildCache ?? []
        return Disk(
            images: Usage(total: images.count, active: used.count, size: imageTotal, reclaimable: max(0, imageTotal - imageUsed)),
            containers: Usage(
                total: containers.count, active: active.count, size: containerSize,
                reclaimable: containerSize - active.reduce(0) { $0 + max(0, $1.sizeRw ?? 0) }),
            volumes: Usage(
                total: volumes.count, active: volumes.filter { ($0.usageData?.refCount ?? 0) > 0 }.count, size: volumeSize,
                reclaimable: volumes.filter { ($0.usageData?.refCount ?? 0) == 0 }.reduce(0) { $0 + max(0, $1.usageData?.size ?? 0) }),
            buildCache: Usage(
                total: cache.count, active: cache.filter { $0.inUse == true }.count,
                size: cache.filter { $0.shared != true }.reduce(0) { $0 + max(0, $1.size ?? 0) },
                reclaimable: cache.filter { $0.inUse != true && $0.shared != true }.reduce(0) { $0 + max(0, $1.size ?? 0) }))
    }

    static let usageSchema = JSONSchema.named("DiskUsage", .object([
        "total": .integer(), "active": .integer(description: "In use."), "size": .integer(description: "Bytes."),
        "reclaimable": .integer(description: "Bytes a prune would free."),
    ], required: ["total", "active", "size", "reclaimable"]))

    static let schema = JSONSchema.named("HostSystem", .object([
        "hostId": .integer(), "hostName": .string(),
        "engine": .object([
            "version": .string(), "apiVersion": .string(), "minAPIVersion": .nullable(.string()), "os": .nullable(.string()),
            "arch": .nullable(.string()), "goVersion": .nullable(.string()), "gitCommit": .nullable(.string()),
            "buildTime": .nullable(.string()), "experimental": .boolean(),
            "components": .map(.string(), description: "Engine, containerd, runc… and their versions."),
        ], required: ["version", "apiVersion", "experimental", "components"]),
        "machine": .object([
            "name": .string(), "operatingSystem": .nullable(.string()), "osType": .nullable(.string()),
            "kernelVersion": .nullable(.string()), "architecture": .nullable(.string()), "cpus": .nullable(.integer()),
            "memoryBytes": .nullable(.integer()), "storageDriver": .nullable(.string()), "storageStatus": .array(.string()),
            "dataRoot": .nullable(.string()), "loggingDriver": .nullable(.string()), "cgroupDriver": .nullable(.string()),
            "cgroupVersion": .nullable(.string()), "runtimes": .array(.string()), "defaultRuntime": .nullable(.string()),
            "securityOptions": .array(.string()), "liveRestore": .boolean(),
            "containers": .integer(), "containersRunning": .integer(), "containersPaused": .integer(),
            "containersStopped": .integer(), "images": .integer(), "warnings": .array(.string()),
        ], required: [
            "name", "storageStatus", "runtimes", "securityOptions", "liveRestore", "containers", "containersRunning",
            "containersPaused", "containersStopped", "images", "warnings",
        ]),
        "disk": .object([
            "images": usageSchema, "containers": usageSchema, "volumes": usageSchema, "buildCache": usageSchema,
        ], required: ["images", "containers", "volumes", "buildCache"]),
        "raw": .any(description: "The engine's info document."),
    ], required: ["hostId", "hostName", "engine", "machine", "disk", "raw"]))
}
