/// `GET /version`.
package struct DockerVersion: Decodable, Sendable {
    package var version: String
    package var apiVersion: String
    package var minAPIVersion: String?
    package var gitCommit: String?
    package var goVersion: String?
    package var os: String?
    package var arch: String?
    package var kernelVersion: String?
    package var buildTime: String?
    package var experimental: Bool?
    package var platform: Platform?
    package var components: [Component]?

    package struct Platform: Decodable, Sendable {
        package var name: String?
        enum CodingKeys: String, CodingKey { case name = "Name" }
    }

    /// `Engine`, `containerd`, `runc`, `docker-init` and their versions.
    package struct Component: Decodable, Sendable {
        package var name: String
        package var version: String
        enum CodingKeys: String, CodingKey { case name = "Name", version = "Version" }
    }

    enum CodingKeys: String, CodingKey {
        case version = "Version", apiVersion = "ApiVersion", minAPIVersion = "MinAPIVersion", gitCommit = "GitCommit"
        case goVersion = "GoVersion", os = "Os", arch = "Arch", kernelVersion = "KernelVersion", buildTime = "BuildTime"
        case experimental = "Experimental", platform = "Platform", components = "Components"
    }
}

/// `GET /info`: the fields the panel shows; the rest is in the engine's answer if ever needed.
package struct DockerSystemInfo: Decodable, Sendable {
    package var id: String
    package var name: String
    package var containers: Int
    package var containersRunning: Int
    package var containersPaused: Int
    package var containersStopped: Int
    package var images: Int
    package var serverVersion: String
    package var operatingSystem: String?
    package var osVersion: String?
    package var osType: String?
    package var architecture: String?
    package var cpus: Int?
    package var memTotal: Int64?
    package var kernelVersion: String?
    package var driver: String?
    package var driverStatus: [[String]]?
    package var dockerRootDir: String?
    package var labels: [String]?
    package var loggingDriver: String?
    package var cgroupDriver: String?
    package var cgroupVersion: String?
    package var defaultRuntime: String?
    /// Runtime name → `{"path": …}`.
    package var runtimes: [String: JSONValue]?
    package var securityOptions: [String]?
    package var liveRestoreEnabled: Bool?
    package var experimentalBuild: Bool?
    package var systemTime: String?
    /// How many clients follow `GET /events` on this engine right now.
    package var eventsListeners: Int?
    package var warnings: [String]?
    package var plugins: Plugins?

    /// The drivers the engine has loaded, by kind (`local`; `bridge`, `null`…; managed plugins
    /// as `name:tag`).
    package struct Plugins: Decodable, Sendable {
        package var volume: [String]?
        package var network: [String]?
        enum CodingKeys: String, CodingKey { case volume = "Volume", network = "Network" }
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", name = "Name", containers = "Containers", containersRunning = "ContainersRunning"
        case containersPaused = "ContainersPaused", containersStopped = "ContainersStopped", images = "Images"
        case serverVersion = "ServerVersion", operatingSystem = "OperatingSystem", osVersion = "OSVersion", osType = "OSType"
        case architecture = "Architecture", cpus = "NCPU", memTotal = "MemTotal", kernelVersion = "KernelVersion"
        case driver = "Driver", driverStatus = "DriverStatus", dockerRootDir = "DockerRootDir", labels = "Labels"
        case loggingDriver = "LoggingDriver", cgroupDriver = "CgroupDriver", cgroupVersion = "CgroupVersion"
        case defaultRuntime = "DefaultRuntime", runtimes = "Runtimes", securityOptions = "SecurityOptions"
        case liveRestoreEnabled = "LiveRestoreEnabled", experimentalBuild = "ExperimentalBuild", systemTime = "SystemTime"
        case eventsListeners = "NEventsListener", warnings = "Warnings", plugins = "Plugins"
    }
}

/// `GET /system/df`.
package struct DockerDiskUsage: Decodable, Sendable {
    package var layersSize: Int64?
    package var images: [ImageSummary]?
    package var containers: [ContainerSummary]?
    package var volumes: [Volume]?
    package var buildCache: [BuildCacheRecord]?
    package var builderSize: Int64?

    enum CodingKeys: String, CodingKey {
        case layersSize = "LayersSize", images = "Images", containers = "Containers", volumes = "Volumes"
        case buildCache = "BuildCache", builderSize = "BuilderSize"
    }
}

/// One record of the build cache (BuildKit), as `system/df` lists it.
package struct BuildCacheRecord: Decodable, Sendable {
    package var id: String
    package var parent: String?
    package var type: String?
    package var description: String?
    package var inUse: Bool?
    package var shared: Bool?
    package var size: Int64?
    package var createdAt: String?
    package var lastUsedAt: String?
    package var usageCount: Int?

    enum CodingKeys: String, CodingKey {
        case id = "ID", parent = "Parent", type = "Type", description = "Description", inUse = "InUse", shared = "Shared"
        case size = "Size", createdAt = "CreatedAt", lastUsedAt = "LastUsedAt", usageCount = "UsageCount"
    }
}

/// One message of `GET /events`.
package struct DockerEvent: Decodable, Sendable {
    /// `container`, `image`, `volume`, `network`, `daemon`…
    package var type: String?
    /// `create`, `start`, `die`, `destroy`, `pull`…
    package var action: String?
    package var actor: Actor?
    package var scope: String?
    /// Seconds since the epoch.
    package var time: Int64?
    package var timeNano: Int64?

    package init(type: String? = nil, action: String? = nil, actor: Actor? = nil, time: Int64? = nil, timeNano: Int64? = nil) {
        self.type = type
        self.action = action
        self.actor = actor
        self.time = time
        self.timeNano = timeNano
    }

    package struct Actor: Decodable, Sendable {
        package var id: String?
        package var attributes: [String: String]?

        package init(id: String? = nil, attributes: [String: String]? = nil) {
            self.id = id
            self.attributes = attributes
        }

        enum CodingKeys: String, CodingKey { case id = "ID", attributes = "Attributes" }
    }

    enum CodingKeys: String, CodingKey {
        case type = "Type", action = "Action", actor = "Actor", scope, time, timeNano
    }
}

/// What a prune call reports.
package struct PruneReport: Decodable, Sendable {
    package var containersDeleted: [String]?
    package var imagesDeleted: [ImageDeleteItem]?
    package var volumesDeleted: [String]?
    package var networksDeleted: [String]?
    package var spaceReclaimed: Int64?

    enum CodingKeys: String, CodingKey {
        case containersDeleted = "ContainersDeleted", imagesDeleted = "ImagesDeleted", volumesDeleted = "VolumesDeleted"
        case networksDeleted = "NetworksDeleted", spaceReclaimed = "SpaceReclaimed"
    }
}
