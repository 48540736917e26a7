import WharfWire
import WharfDocker
import WharfHTTP

/// What "create a container" takes, from the page's form or the API's JSON, checked field by
/// field into the engine's configuration. Every problem names its field (422).
struct ContainerCreateInput: Decodable, Sendable {
    struct Port: Decodable, Sendable {
        var hostIp: String?
        var hostPort: Int?
        var containerPort: Int
        var `protocol`: String?
    }

    struct Mount: Decodable, Sendable {
        /// `volume`, `bind` or `tmpfs`.
        var type: String
        var source: String?
        var target: String
        var readOnly: Bool?
    }

    var image: String
    var name: String?
    var command: [String]?
    var entrypoint: [String]?
    var env: [String: String]?
    var labels: [String: String]?
    var workingDir: String?
    var user: String?
    var ports: [Port]?
    var mounts: [Mount]?
    /// `no`, `always`, `unless-stopped` or `on-failure`.
    var restartPolicy: String?
    var maxRetries: Int?
    /// Bytes, or with a unit: `512m`, `1g`.
    var memory: String?
    /// CPUs, fractional: `0.5`, `2`.
    var cpus: String?
    /// `none`, `host`, `bridge` or a network's name.
    var network: String?
    var autoRemove: Bool?
    var start: Bool?

    /// Input that passed every check, as the engine takes it.
    struct Checked: Sendable {
        let name: String?
        let config: ContainerConfig
        let start: Bool
        /// What the audit row records: the image, name, ports, mounts and limits; env keys with
        /// their values redacted (they often hold secrets).
        let auditParameters: [String: String]
        /// Whether the container bind-mounts a host path (admins only).
        let bindsHostPaths: Bool
    }

    /// Engine rule for names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
    static func nameProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        guard let first = bytes.first else { return "Give the new name." }
        func alphanumeric(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        }
        guard alphanumeric(first), bytes.count >= 2, bytes.count <= 128,
              bytes.allSatisfy({ alphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") })
        else { return "Use 2 to 128 letters, digits, dots, dashes and underscores, starting with a letter or digit." }
        return nil
    }

    /// Checks every field. - Throws: ``FieldErrors`` with every problem found.
    func check() throws -> Checked {
        var problems: [String: String] = [:]
        let image = image.trimmingASCIISpaces()
        if image.isEmpty {
            problems["image"] = "Choose an image, or type one (name:tag)."
        } else if image.contains(where: { $0 == " " || $0 == "\t" || $0 == "\n" }) || image.utf8.count > 255 {
            problems["image"] = "An image reference has no spaces, like busybox:latest or registry:5000/team/app:1.2."
        }
        let name = name.map { String($0.trimmingASCIISpaces()) }.flatMap { $0.isEmpty ? nil : $0 }
        if let name, let problem = Self.nameProblem(name) { problems["name"] = problem }

        var config = ContainerConfig(image: String(image))
        config.cmd = command.flatMap { $0.isEmpty ? nil : $0 }
        config.entrypoint = entrypoint.flatMap { $0.isEmpty ? nil : $0 }
        if let env, !env.isEmpty {
            if let bad = env.keys.first(where: { $0.isEmpty || $0.contains("=") || $0.contains(where: \.isWhitespace) }) {
                problems["env"] = "\"\(bad)\" is not a variable name: use NAME=value, one per line."
            }
            config.env = env.keys.sorted().map { "\($0)=\(env[$0] ?? "")" }
        }
        if let labels, !labels.isEmpty {
            if labels.keys.contains(where: { $0.trimmingASCIISpaces().isEmpty }) { problems["labels"] = "A label needs a key: key=value." }
            config.labels = labels
        }
        config.workingDir = workingDir.flatMap { $0.isEmpty ? nil : $0 }
        if let dir = config.workingDir, !dir.hasPrefix("/") { problems["workingDir"] = "The working directory is an absolute path, like /app." }
        config.user = user.flatMap { $0.isEmpty ? nil : $0 }

        var host = HostConfig(networkMode: network.flatMap { $0.isEmpty ? nil : $0 })
        if let ports, !ports.isEmpty {
            var exposed: [String: EmptyObject] = [:]
            var bindings: [String: [HostConfig.PortBinding]] = [:]
            for port in ports {
                let proto = port.protocol ?? "tcp"
                guard (1...65535).contains(port.containerPort), port.hostPort.map({ (0...65535).contains($0) }) ?? true,
                      ["tcp", "udp", "sctp"].contains(proto) else {
                    problems["ports"] = "Ports are 1 to 65535, protocols tcp, udp or sctp: 8080:80, 127.0.0.1:5353:53/udp."
                    break
                }
                let key = "\(port.containerPort)/\(proto)"
                exposed[key] = EmptyObject()
                bindings[key, default: []].append(.init(hostIP: port.hostIp ?? "", hostPort: port.hostPort.map(String.init) ?? ""))
            }
            config.exposedPorts = exposed
            host.portBindings = bindings
        }
        var bindsHostPaths = false
        if let mounts, !mounts.isEmpty {
            host.mounts = []
            for mount in mounts {
                guard ["volume", "bind", "tmpfs"].contains(mount.type), mount.target.hasPrefix("/") else {
                    problems["mounts"] = "Mount a volume (data:/data), a host path (/srv/data:/data) or tmpfs (tmpfs:/cache) at an absolute path."
                    break
                }
                if mount.type == "bind" {
                    bindsHostPaths = true
                    guard let source = mount.source, source.hasPrefix("/") else {
                        problems["mounts"] = "A bind mount's source is an absolute host path."
                        break
                    }
                }
                if mount.type == "volume", let source = mount.source, Self.nameProblem(source) != nil {
                    problems["mounts"] = "\(source) is not a volume name."
                    break
                }
                host.mounts?.append(.init(type: mount.type, source: mount.type == "tmpfs" ? nil : mount.source, target: mount.target, readOnly: mount.readOnly))
            }
        }
        let restart = restartPolicy.flatMap { $0.isEmpty ? nil : $0 } ?? "no"
        if !["no", "always", "unless-stopped", "on-failure"].contains(restart) {
            problems["restartPolicy"] = "Choose no, always, unless-stopped or on-failure."
        } else if restart != "no" {
            host.restartPolicy = .init(name: restart, maximumRetryCount: restart == "on-failure" ? maxRetries : nil)
        }
        if let retries = maxRetries, retries < 0 || restart != "on-failure" && retries != 0 {
            problems["maxRetries"] = "Retries apply to on-failure only, and are 0 or more."
        }
        if let memory = memory, !memory.isEmpty {
            if let bytes = Self.bytes(memory), bytes >= 6 * 1024 * 1024 {
                host.memory = bytes
            } else {
                problems["memory"] = "Give a memory limit of at least 6m, like 512m or 2g."
            }
        }
        if let cpus = cpus, !cpus.isEmpty {
            if let value = Double(cpus), value >= 0.01, value <= 1024 {
                host.nanoCPUs = Int64((value * 1_000_000_000).rounded())
            } else {
                problems["cpus"] = "Give the CPUs as a number like 0.5 or 2."
            }
        }
        if autoRemove == true {
            if restart != "no" { problems["autoRemove"] = "A container removed when it stops cannot also restart: choose one." }
            host.autoRemove = true
        }
        config.hostConfig = host
        guard problems.isEmpty else { throw FieldErrors(problems) }

        var parameters: [String: String] = ["image": String(image)]
        if let name { parameters["name"] = name }
        if let cmd = config.cmd { parameters["command"] = cmd.joined(separator: " ") }
        if let env, !env.isEmpty { parameters["env"] = env.keys.sorted().map { "\($0)=[redacted]" }.joined(separator: " ") }
        if let ports = host.portBindings { parameters["ports"] = ports.keys.sorted().joined(separator: " ") }
        if let mounts = host.mounts { parameters["mounts"] = mounts.map { "\($0.type):\($0.source ?? ""):\($0.target)" }.joined(separator: " ") }
        if let network = host.networkMode { parameters["network"] = network }
        if let memory = host.memory { parameters["memory"] = String(memory) }
        if let cpus = host.nanoCPUs { parameters["nanoCpus"] = String(cpus) }
        if restart != "no" { parameters["restart"] = restart }
        return Checked(name: name, config: config, start: start ?? false, auditParameters: parameters, bindsHostPaths: bindsHostPaths)
    }

    /// `512m` → 536870912: bytes with an optional unit b, k, m, g or t (powers of 1024), as the
    /// docker CLI reads `--memory`.
    static func bytes(_ text: String) -> Int64? {
        var digits = text.trimmingASCIISpaces().lowercased()
        if digits.hasSuffix("b"), digits.count > 1, let last = digits.dropLast().last, !last.isNumber { digits.removeLast() }
        var multiplier: Double = 1
        switch digits.last {
        case "k": multiplier = 1024
        case "m": multiplier = 1024 * 1024
        case "g": multiplier = 1024 * 1024 * 1024
        case "t": multiplier = 1024 * 1024 * 1024 * 1024
        case "b": multiplier = 1
        default: break
        }
        if multiplier != 1 || digits.last == "b" { digits.removeLast() }
        guard let value = Double(digits), value > 0, value * multiplier < 9.2e18 else { return nil }
        return Int64(value * multiplier)
    }
}

extension ContainerCreateInput {
    static let schema = JSONSchema.named("ContainerCreate", .object([
        "image": .string(description: "An image reference: busybox, registry:5000/team/app:1.2."),
        "name": .nullable(.string(description: "2 to 128 of [a-zA-Z0-9_.-], starting with a letter or digit.")),
        "command": .nullable(.array(.string())), "entrypoint": .nullable(.array(.string())),
        "env": .nullable(.map(.string(), description: "Variables by name. Values are not recorded in the audit.")),
        "labels": .nullable(.map(.string())),
        "workingDir": .nullable(.string()), "user": .nullable(.string()),
        "ports": .nullable(.array(.object([
            "hostIp": .nullable(.string()), "hostPort": .nullable(.integer(minimum: 0)),
            "containerPort": .integer(minimum: 1), "protocol": .nullable(.string(values: ["tcp", "udp", "sctp"])),
        ], required: ["containerPort"]))),
        "mounts": .nullable(.array(.object([
            "type": .string(values: ["volume", "bind", "tmpfs"]), "source": .nullable(.string()),
            "target": .string(description: "An absolute path in the container."), "readOnly": .nullable(.boolean()),
        ], required: ["type", "target"]), description: "Bind mounts of host paths are for admins only.")),
        "restartPolicy": .nullable(.string(values: ["no", "always", "unless-stopped", "on-failure"])),
        "maxRetries": .nullable(.integer(minimum: 0)),
        "memory": .nullable(.string(description: "Bytes, or with a unit: 512m, 2g.")),
        "cpus": .nullable(.string(description: "CPUs, fractional: 0.5, 2.")),
        "network": .nullable(.string(description: "none, host, bridge, or a network's name.")),
        "autoRemove": .nullable(.boolean()), "start": .nullable(.boolean(description: "Start it once created.")),
    ], required: ["image"]))
}

/// Rules about what a container may do to its host, for non-admins.
enum ContainerPolicy {
    /// Bind mounts of host paths give a container the host's files (and, through the Docker
    /// socket or /etc, the host): admins only. An operator's attempt is refused and audited.
    static func checkBinds(
        _ input: ContainerCreateInput.Checked, scope: HostScope, context: RequestContext, audit: AuditLog
    ) async throws {
        guard input.bindsHostPaths, scope.access != .admin else { return }
        var entry = context.auditEntry(
            "auth.denied", outcome: .denied, target: "container.create \(input.name ?? "")",
            parameters: ["reason": "bind mount of a host path", "permission": "admin"], httpStatus: .forbidden)
        entry.hostID = scope.host.id
        try await audit.record(entry)
        throw HTTPError(.forbidden, "Only admins may mount host paths into a container; use a volume instead.")
    }
}
