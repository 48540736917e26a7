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

    enum CodingKeys: String, CodingKey {
        case version = "Version", apiVersion = "ApiVersion", minAPIVersion = "MinAPIVersion", gitCommit = "GitCommit"
        case goVersion = "GoVersion", os = "Os", arch = "Arch", kernelVersion = "KernelVersion"
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
    package var osType: String?
    package var architecture: String?
    package var cpus: Int?
    package var memTotal: Int64?
    package var kernelVersion: String?
    package var driver: String?
    package var dockerRootDir: String?
    package var labels: [String]?

    enum CodingKeys: String, CodingKey {
        case id = "ID", name = "Name", containers = "Containers", containersRunning = "ContainersRunning"
        case containersPaused = "ContainersPaused", containersStopped = "ContainersStopped", images = "Images"
        case serverVersion = "ServerVersion", operatingSystem = "OperatingSystem", osType = "OSType"
        case architecture = "Architecture", cpus = "NCPU", memTotal = "MemTotal", kernelVersion = "KernelVersion"
        case driver = "Driver", dockerRootDir = "DockerRootDir", labels = "Labels"
    }
}

/// `GET /system/df`.
package struct DockerDiskUsage: Decodable, Sendable {
    package var layersSize: Int64?
    package var images: [ImageSummary]?
    package var containers: [ContainerSummary]?
    package var volumes: [Volume]?
    package var buildCache: [JSONValue]?

    enum CodingKeys: String, CodingKey {
        case layersSize = "LayersSize", images = "Images", containers = "Containers", volumes = "Volumes"
        case buildCache = "BuildCache"
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

    package struct Actor: Decodable, Sendable {
        package var id: String?
        package var attributes: [String: String]?

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
