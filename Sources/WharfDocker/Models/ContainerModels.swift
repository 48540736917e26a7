/// One entry of `GET /containers/json`.
package struct ContainerSummary: Decodable, Sendable {
    package var id: String
    package var names: [String]
    package var image: String
    package var imageID: String?
    package var command: String?
    package var created: Int64
    package var state: String
    package var status: String
    package var ports: [Port]?
    package var labels: [String: String]?
    package var sizeRw: Int64?
    package var sizeRootFs: Int64?
    package var mounts: [MountPoint]?
    package var networkSettings: NetworkSettings?

    /// The networks the container is attached to, by name.
    package struct NetworkSettings: Decodable, Sendable {
        package var networks: [String: Attachment]?
        enum CodingKeys: String, CodingKey { case networks = "Networks" }

        package struct Attachment: Decodable, Sendable {
            package var networkID: String?
            package var ipAddress: String?
            enum CodingKeys: String, CodingKey { case networkID = "NetworkID", ipAddress = "IPAddress" }
        }
    }

    package struct Port: Decodable, Sendable, Equatable {
        package var ip: String?
        package var privatePort: Int
        package var publicPort: Int?
        package var type: String

        enum CodingKeys: String, CodingKey { case ip = "IP", privatePort = "PrivatePort", publicPort = "PublicPort", type = "Type" }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", names = "Names", image = "Image", imageID = "ImageID", command = "Command", created = "Created"
        case state = "State", status = "Status", ports = "Ports", labels = "Labels", sizeRw = "SizeRw"
        case sizeRootFs = "SizeRootFs", mounts = "Mounts", networkSettings = "NetworkSettings"
    }
}

/// A mount of a container (list and inspect).
package struct MountPoint: Decodable, Sendable {
    package var type: String?
    package var name: String?
    package var source: String?
    package var destination: String
    package var mode: String?
    package var rw: Bool?

    enum CodingKeys: String, CodingKey {
        case type = "Type", name = "Name", source = "Source", destination = "Destination", mode = "Mode", rw = "RW"
    }
}

/// `GET /containers/{id}/json`: typed where the panel reads, passthrough for the rest.
package struct ContainerInspect: Decodable, Sendable {
    package var id: String
    package var name: String
    package var created: String
    package var path: String?
    package var args: [String]?
    package var state: State
    package var image: String
    package var restartCount: Int?
    package var config: ContainerConfig
    package var hostConfig: HostConfig?
    package var mounts: [MountPoint]?
    package var networkSettings: JSONValue?

    package struct State: Decodable, Sendable {
        package var status: String
        package var running: Bool
        package var paused: Bool
        package var restarting: Bool
        package var oomKilled: Bool?
        package var dead: Bool?
        package var pid: Int?
        package var exitCode: Int?
        package var error: String?
        package var startedAt: String?
        package var finishedAt: String?
        /// Present when the image or the container defines a health check.
        package var health: Health?

        package struct Health: Decodable, Sendable {
            /// `starting`, `healthy` or `unhealthy`.
            package var status: String
            package var failingStreak: Int?

            enum CodingKeys: String, CodingKey { case status = "Status", failingStreak = "FailingStreak" }
        }

        enum CodingKeys: String, CodingKey {
            case status = "Status", running = "Running", paused = "Paused", restarting = "Restarting"
            case oomKilled = "OOMKilled", dead = "Dead", pid = "Pid", exitCode = "ExitCode", error = "Error"
            case startedAt = "StartedAt", finishedAt = "FinishedAt", health = "Health"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", name = "Name", created = "Created", path = "Path", args = "Args", state = "State"
        case image = "Image", restartCount = "RestartCount", config = "Config", hostConfig = "HostConfig"
        case mounts = "Mounts", networkSettings = "NetworkSettings"
    }
}

/// A container's configuration: the body of `POST /containers/create` and `Config` of inspect.
package struct ContainerConfig: Codable, Sendable {
    package var image: String?
    package var cmd: [String]?
    package var entrypoint: [String]?
    package var env: [String]?
    package var labels: [String: String]?
    package var workingDir: String?
    package var user: String?
    package var hostname: String?
    package var tty: Bool?
    package var openStdin: Bool?
    package var attachStdin: Bool?
    package var attachStdout: Bool?
    package var attachStderr: Bool?
    package var stopSignal: String?
    package var stopTimeout: Int?
    /// Ports the container listens on, `"80/tcp"` → `{}`.
    package var exposedPorts: [String: EmptyObject]?
    /// Only for create: how the container is run (network mode, mounts, restart policy).
    package var hostConfig: HostConfig?

    package init(image: String, cmd: [String]? = nil, hostConfig: HostConfig? = nil) {
        self.image = image
        self.cmd = cmd
        self.hostConfig = hostConfig
    }

    enum CodingKeys: String, CodingKey {
        case image = "Image", cmd = "Cmd", entrypoint = "Entrypoint", env = "Env", labels = "Labels"
        case workingDir = "WorkingDir", user = "User", hostname = "Hostname", tty = "Tty", openStdin = "OpenStdin"
        case attachStdin = "AttachStdin", attachStdout = "AttachStdout", attachStderr = "AttachStderr"
        case stopSignal = "StopSignal", stopTimeout = "StopTimeout", exposedPorts = "ExposedPorts", hostConfig = "HostConfig"
    }
}

/// `{}`: the value of each key of `ExposedPorts` and `Volumes`.
package struct EmptyObject: Codable, Sendable, Equatable {
    package init() {}
}

/// The parts of `HostConfig` the panel sets and shows.
package struct HostConfig: Codable, Sendable {
    package var networkMode: String?
    package var binds: [String]?
    package var autoRemove: Bool?
    package var restartPolicy: RestartPolicy?
    package var memory: Int64?
    package var nanoCPUs: Int64?
    package var readonlyRootfs: Bool?
    /// `"80/tcp"` → where on the host it is published.
    package var portBindings: [String: [PortBinding]]?
    package var mounts: [Mount]?

    package init(networkMode: String? = nil) { self.networkMode = networkMode }

    /// A published port: host address (all when empty) and port (any free one when empty).
    package struct PortBinding: Codable, Sendable, Equatable {
        package var hostIP: String?
        package var hostPort: String?

        package init(hostIP: String? = nil, hostPort: String? = nil) {
            self.hostIP = hostIP
            self.hostPort = hostPort
        }

        enum CodingKeys: String, CodingKey { case hostIP = "HostIp", hostPort = "HostPort" }
    }

    /// A mount in `HostConfig.Mounts`: a volume (by name), a bind of a host path, or a tmpfs.
    package struct Mount: Codable, Sendable, Equatable {
        /// `volume`, `bind` or `tmpfs`.
        package var type: String
        package var source: String?
        package var target: String
        package var readOnly: Bool?

        package init(type: String, source: String?, target: String, readOnly: Bool? = nil) {
            self.type = type
            self.source = source
            self.target = target
            self.readOnly = readOnly
        }

        enum CodingKeys: String, CodingKey { case type = "Type", source = "Source", target = "Target", readOnly = "ReadOnly" }
    }

    package struct RestartPolicy: Codable, Sendable, Equatable {
        package var name: String
        package var maximumRetryCount: Int?

        package init(name: String, maximumRetryCount: Int? = nil) {
            self.name = name
            self.maximumRetryCount = maximumRetryCount
        }

        enum CodingKeys: String, CodingKey { case name = "Name", maximumRetryCount = "MaximumRetryCount" }
    }

    enum CodingKeys: String, CodingKey {
        case networkMode = "NetworkMode", binds = "Binds", autoRemove = "AutoRemove", restartPolicy = "RestartPolicy"
        case memory = "Memory", nanoCPUs = "NanoCpus", readonlyRootfs = "ReadonlyRootfs", portBindings = "PortBindings"
        case mounts = "Mounts"
    }
}

/// `POST /containers/create` answer.
package struct ContainerCreated: Decodable, Sendable {
    package var id: String
    package var warnings: [String]?

    enum CodingKeys: String, CodingKey { case id = "Id", warnings = "Warnings" }
}

/// `GET /containers/{id}/top`.
package struct ContainerTop: Decodable, Sendable {
    package var titles: [String]
    package var processes: [[String]]

    enum CodingKeys: String, CodingKey { case titles = "Titles", processes = "Processes" }
}

/// One entry of `GET /containers/{id}/changes`.
package struct ContainerChange: Decodable, Sendable, Equatable {
    package var path: String
    /// 0 modified, 1 added, 2 deleted.
    package var kind: Int

    package init(path: String, kind: Int) {
        self.path = path
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey { case path = "Path", kind = "Kind" }
}
