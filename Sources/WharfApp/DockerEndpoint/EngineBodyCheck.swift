import WharfWire
import WharfHTTP
/// The checks of JSON bodies that could give an operator the engine's host: container create and
/// update, exec create, volume create. A body is decoded as the engine decodes it
/// (``JSONText/normalized(_:)``), checked, and forwarded as Wharf re-serialised it.
enum EngineBodyCheck {
    enum Kind: Sendable, Equatable {
        case containerCreate, containerUpdate, execCreate, volumeCreate
    }

    /// JSON bodies larger than this are refused (413) before any check.
    static let maximumBytes = 1 << 20

    /// What a body may not contain, and why.
    struct Violation: Error, Equatable, CustomStringConvertible {
        /// The field as the API documents it: `HostConfig.Privileged`.
        let field: String
        let reason: String
        var description: String { "\(field): \(reason)" }
    }

    /// The capabilities a container gets by default (moby `oci/caps/defaults.go`, 20.10).
    static let defaultCapabilities: Set<String> = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]

    // MARK: Schemas (the fields checked; everything else passes as sent)

    static let driverConfig = GoStruct([("Name", .value), ("Options", .map)])
    static let volumeOptions = GoStruct([("DriverConfig", .structure(driverConfig, pointer: true))])
    static let mount = GoStruct([("Type", .value), ("Source", .value), ("VolumeOptions", .structure(volumeOptions, pointer: true))])
    /// `container.Resources`, embedded in HostConfig and in UpdateConfig.
    static let resourceFields: [(String, GoField)] = [
        ("CgroupParent", .value), ("Devices", .replaced), ("DeviceCgroupRules", .replaced), ("DeviceRequests", .replaced),
    ]
    static let hostConfigFields: [(String, GoField)] = resourceFields + [
        ("Privileged", .value), ("PidMode", .value), ("IpcMode", .value), ("NetworkMode", .value), ("UsernsMode", .value),
        ("UTSMode", .value), ("CgroupnsMode", .value), ("CapAdd", .stringList), ("Capabilities", .replaced),
        ("SecurityOpt", .replaced), ("Sysctls", .map), ("Runtime", .value), ("Binds", .replaced),
        ("Mounts", .structList(mount)), ("VolumesFrom", .replaced),
    ]
    static let hostConfig = GoStruct(hostConfigFields)
    /// The create body (`runconfig.ContainerConfigWrapper`): `HostConfig`, and — through the
    /// deprecated embedded `*container.HostConfig` — every HostConfig field at the top level too,
    /// which the engine uses when `HostConfig` is absent. Both are checked.
    static let containerCreate = GoStruct(hostConfigFields + [("HostConfig", .structure(hostConfig, pointer: true))])
    static let containerUpdate = GoStruct(resourceFields)
    static let execCreate = GoStruct([("Privileged", .value)])
    static let volumeCreate = GoStruct([("Driver", .value), ("DriverOpts", .map)])

    static func schema(_ kind: Kind) -> GoStruct {
        switch kind {
        case .containerCreate: containerCreate
        case .containerUpdate: containerUpdate
        case .execCreate: execCreate
        case .volumeCreate: volumeCreate
        }
    }

    /// Decodes `body` as the engine would, for forwarding; an empty body stays empty.
    static func normalize(_ body: [UInt8], kind: Kind) throws(JSONText.SyntaxError) -> JSONText? {
        if body.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) { return nil }
        return try JSONText.parse(body).normalized(schema(kind))
    }

    /// The first thing in `body` (normalised) that an operator may not ask for, nil when none.
    static func violation(in body: JSONText, kind: Kind) -> Violation? {
        switch kind {
        case .containerCreate:
            return hostConfigViolation(body, prefix: "") ?? body["HostConfig"].flatMap { hostConfigViolation($0, prefix: "HostConfig.") }
        case .containerUpdate:
            return resourcesViolation(body, prefix: "")
        case .execCreate:
            return isSet(body["Privileged"]) ? Violation(field: "Privileged", reason: "privileged exec sessions") : nil
        case .volumeCreate:
            return driverOptionsViolation(body["DriverOpts"], field: "DriverOpts")
        }
    }

    private static func resourcesViolation(_ config: JSONText, prefix: String) -> Violation? {
        if isSet(config["CgroupParent"]) { return Violation(field: prefix + "CgroupParent", reason: "a cgroup parent of the host") }
        if isSet(config["Devices"]) { return Violation(field: prefix + "Devices", reason: "host devices") }
        if isSet(config["DeviceCgroupRules"]) { return Violation(field: prefix + "DeviceCgroupRules", reason: "device cgroup rules") }
        if isSet(config["DeviceRequests"]) { return Violation(field: prefix + "DeviceRequests", reason: "device requests (GPUs)") }
        return nil
    }

    private static func hostConfigViolation(_ config: JSONText, prefix: String) -> Violation? {
        guard case .object = config else {
            return config.isNull ? nil : Violation(field: prefix.isEmpty ? "body" : "HostConfig", reason: "not a JSON object")
        }
        if isSet(config["Privileged"]) { return Violation(field: prefix + "Privileged", reason: "privileged containers") }
        for mode in ["PidMode", "IpcMode", "NetworkMode", "UsernsMode", "UTSMode", "CgroupnsMode"] {
            guard let value = config[mode], !value.isNull else { continue }
            guard case .string(let text) = value else { return Violation(field: prefix + mode, reason: "not a string") }
            if text.trimmingASCIISpaces().lowercased() == "host" {
                return Violation(field: prefix + mode, reason: "the host's namespace (\(mode) host)")
            }
        }
        if let violation = resourcesViolation(config, prefix: prefix) { return violation }
        if let violation = capabilityViolation(config["CapAdd"], field: prefix + "CapAdd", single: true) { return violation }
        if let violation = capabilityViolation(config["Capabilities"], field: prefix + "Capabilities", single: false) { return violation }
        if let violation = securityOptionViolation(config["SecurityOpt"], field: prefix + "SecurityOpt") { return violation }
        if isSet(config["Sysctls"]) { return Violation(field: prefix + "Sysctls", reason: "kernel parameters") }
        if isSet(config["Runtime"]) { return Violation(field: prefix + "Runtime", reason: "another container runtime") }
        if isSet(config["VolumesFrom"]) {
            return Violation(field: prefix + "VolumesFrom", reason: "another container's mounts, which may include host paths")
        }
        if let violation = bindsViolation(config["Binds"], field: prefix + "Binds") { return violation }
        return mountsViolation(config["Mounts"], field: prefix + "Mounts")
    }

    /// Whether a field holds anything but its zero value (`null`, `false`, `""`, `[]`, `{}`, `0`).
    static func isSet(_ value: JSONText?) -> Bool {
        switch value {
        case nil, .null?, .bool(false)?: false
        case .string(let text)?: !text.isEmpty
        case .array(let items)?: !items.isEmpty
        case .object(let members)?: !members.isEmpty
        case .number(let text)?: Double(text) != 0
        case .bool(true)?: true
        }
    }

    /// Strings of a list field (`strslice` also takes one string when `single`); nil when malformed.
    private static func strings(_ value: JSONText?, single: Bool) -> [String]? {
        switch value {
        case nil, .null?: []
        case .string(let text)? where single: [text]
        case .array(let items)?:
            items.compactMap(\.stringValue).count == items.count ? items.compactMap(\.stringValue) : nil
        default: nil
        }
    }

    private static func capabilityViolation(_ value: JSONText?, field: String, single: Bool) -> Violation? {
        guard let names = strings(value, single: single) else { return Violation(field: field, reason: "not a list of capabilities") }
        for name in names {
            var capability = name.trimmingASCIISpaces().uppercased()
            if !capability.hasPrefix("CAP_") { capability = "CAP_" + capability }
            if !defaultCapabilities.contains(capability) {
                return Violation(field: field, reason: "capability \(name), beyond the engine's default set")
            }
        }
        return nil
    }

    /// Only `no-new-privileges`, named AppArmor profiles and SELinux labels pass; `unconfined`,
    /// custom seccomp profiles and `label=disable` do not.
    private static func securityOptionViolation(_ value: JSONText?, field: String) -> Violation? {
        guard let options = strings(value, single: false) else { return Violation(field: field, reason: "not a list of options") }
        for option in options {
            let lower = option.trimmingASCIISpaces().lowercased()
            let key = lower.split(whereSeparator: { $0 == "=" || $0 == ":" }).first.map(String.init) ?? lower
            let rest = lower.dropFirst(key.count).dropFirst()
            let allowed = !lower.contains("unconfined") && (
                key == "no-new-privileges" || (key == "apparmor" && !rest.isEmpty)
                || (key == "label" && !rest.hasPrefix("disable")) || (key == "seccomp" && rest == "builtin"))
            if !allowed { return Violation(field: field, reason: "security option \(option)") }
        }
        return nil
    }

    /// `source:target[:mode]`: a named volume as source is fine, a host path is not.
    private static func bindsViolation(_ value: JSONText?, field: String) -> Violation? {
        guard let binds = strings(value, single: false) else { return Violation(field: field, reason: "not a list of binds") }
        for bind in binds {
            let parts = bind.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 1, bind.hasPrefix("/") { continue }  // an anonymous volume at a container path
            guard parts.count >= 2, let source = parts.first, isVolumeName(source) else {
                return Violation(field: field, reason: "a bind mount of host path \(parts.first.map(String.init) ?? bind)")
            }
        }
        return nil
    }

    /// A volume name as the engine accepts it: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
    static func isVolumeName(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, name.utf8.count >= 2, isAlphanumeric(first) else { return false }
        return name.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func mountsViolation(_ value: JSONText?, field: String) -> Violation? {
        guard let value, !value.isNull else { return nil }
        guard case .array(let mounts) = value else { return Violation(field: field, reason: "not a list of mounts") }
        for (index, mount) in mounts.enumerated() where !mount.isNull {
            let name = "\(field)[\(index)]"
            guard case .string(let type)? = mount["Type"] else { return Violation(field: name + ".Type", reason: "a mount without a type") }
            switch type.lowercased() {
            case "tmpfs": continue
            case "volume":
                let options = mount["VolumeOptions"]?["DriverConfig"]?["Options"]
                if let violation = driverOptionsViolation(options, field: name + ".VolumeOptions.DriverConfig.Options") {
                    return violation
                }
            case "bind": return Violation(field: name + ".Type", reason: "a bind mount of a host path")
            default: return Violation(field: name + ".Type", reason: "mount type \(type)")
            }
        }
        return nil
    }

    /// Options of the `local` volume driver that mount a host path or device: `device=/…`, `o=bind`
    /// (or `rbind`), or any `o` option pointing at a path (`lowerdir=/…` of an overlay).
    private static func driverOptionsViolation(_ value: JSONText?, field: String) -> Violation? {
        guard let value, !value.isNull else { return nil }
        guard case .object(let members) = value else { return Violation(field: field, reason: "not a map of options") }
        for member in members {
            guard case .string(let text) = member.value else { return Violation(field: field, reason: "option \(member.key) is not a string") }
            switch member.key.lowercased() {
            case "device" where text.trimmingASCIISpaces().hasPrefix("/"):
                return Violation(field: field, reason: "device \(text), a host path")
            case "o":
                for option in text.split(separator: ",") {
                    let lower = option.trimmingASCIISpaces().lowercased()
                    if lower == "bind" || lower == "rbind" || lower.contains("=/") {
                        return Violation(field: field, reason: "mount option \(option), which binds a host path")
                    }
                }
            default: continue
            }
        }
        return nil
    }
}
