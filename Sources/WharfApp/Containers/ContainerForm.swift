import WharfWire
import WharfHTTP

/// The create form as typed: one text per field, read into ``ContainerCreateInput`` the way the
/// docker CLI reads its flags (`-p 8080:80`, `-v data:/data:ro`, `-e KEY=value`, one per line).
struct ContainerForm: Sendable {
    static let fields = [
        "image", "name", "command", "entrypoint", "env", "labels", "working_dir", "user", "ports", "mounts", "restart",
        "max_retries", "memory", "cpus", "network", "auto_remove", "start",
    ]

    var values: [String: String] = [:]

    init() {}

    init(_ form: Form) {
        for field in Self.fields { values[field] = form[field] ?? "" }
    }

    /// The form checked: every problem of every field at once (lines that cannot be read, and
    /// values ``ContainerCreateInput/check()`` refuses).
    func checked() throws -> ContainerCreateInput.Checked {
        let (input, parsed) = parse()
        var problems = parsed
        do {
            let checked = try input.check()
            if problems.isEmpty { return checked }
        } catch let error as FieldErrors {
            // The API's field names, as the form names them.
            let names = ["workingDir": "working_dir", "restartPolicy": "restart", "maxRetries": "max_retries", "autoRemove": "auto_remove"]
            for (field, message) in error.fieldErrors where problems[names[field] ?? field] == nil {
                problems[names[field] ?? field] = message
            }
        }
        throw FieldErrors(problems)
    }

    /// The input as far as it could be read, and the lines that could not be, by field.
    func parse() -> (ContainerCreateInput, [String: String]) {
        var problems: [String: String] = [:]
        func text(_ field: String) -> String { String(values[field]?.trimmingASCIISpaces() ?? "") }
        func words(_ field: String) -> [String]? {
            let value = text(field)
            guard !value.isEmpty else { return nil }
            guard let words = ShellWords.split(value) else {
                problems[field] = "A quote is not closed."
                return nil
            }
            return words
        }
        func pairs(_ field: String, what: String) -> [String: String]? {
            var result: [String: String] = [:]
            for line in lines(field) {
                let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let key = parts.first, !key.isEmpty, !key.contains(where: \.isWhitespace) else {
                    problems[field] = "\"\(line)\" is not \(what)=value."
                    return nil
                }
                result[String(key)] = parts.count == 2 ? String(parts[1]) : ""
            }
            return result.isEmpty ? nil : result
        }
        func lines(_ field: String) -> [String] {
            (values[field] ?? "").split(whereSeparator: \.isNewline)  // "\r\n", as browsers send a textarea, is one Character
                .map { String($0.trimmingASCIISpaces()) }.filter { !$0.isEmpty }
        }
        var input = ContainerCreateInput(image: text("image"))
        input.name = text("name")
        input.command = words("command")
        input.entrypoint = words("entrypoint")
        input.env = pairs("env", what: "NAME")
        input.labels = pairs("labels", what: "key")
        input.workingDir = text("working_dir")
        input.user = text("user")
        var ports: [ContainerCreateInput.Port] = []
        for line in lines("ports") {
            guard let port = Self.port(line) else {
                problems["ports"] = "\"\(line)\" is not a port: use 8080:80, 127.0.0.1:8080:80/tcp or 53/udp."
                break
            }
            ports.append(port)
        }
        input.ports = ports
        var mounts: [ContainerCreateInput.Mount] = []
        for line in lines("mounts") {
            guard let mount = Self.mount(line) else {
                problems["mounts"] = "\"\(line)\" is not a mount: use data:/data, /srv/data:/data:ro or tmpfs:/cache."
                break
            }
            mounts.append(mount)
        }
        input.mounts = mounts
        input.restartPolicy = text("restart")
        if !text("max_retries").isEmpty {
            if let retries = Int(text("max_retries")) { input.maxRetries = retries } else { problems["max_retries"] = "Give a number of retries." }
        }
        input.memory = text("memory")
        input.cpus = text("cpus")
        input.network = text("network")
        input.autoRemove = values["auto_remove"] == "1"
        input.start = values["start"] == "1"
        return (input, problems)
    }

    /// `8080:80`, `127.0.0.1:8080:80/udp`, `[::1]:8080:80`, `80` (exposed, any host port).
    static func port(_ text: String) -> ContainerCreateInput.Port? {
        var spec = Substring(text)
        var proto: String?
        if let slash = spec.lastIndex(of: "/") {
            proto = String(spec[spec.index(after: slash)...]).lowercased()
            spec = spec[..<slash]
        }
        var hostIP: String?
        if spec.hasPrefix("["), let close = spec.firstIndex(of: "]") {
            hostIP = String(spec[spec.index(after: spec.startIndex)..<close])
            spec = spec[spec.index(after: close)...].drop { $0 == ":" }
        }
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            guard let container = Int(parts[0]) else { return nil }
            return .init(hostIp: hostIP, hostPort: nil, containerPort: container, protocol: proto)
        case 2:
            guard let container = Int(parts[1]), parts[0].isEmpty || Int(parts[0]) != nil else { return nil }
            return .init(hostIp: hostIP, hostPort: Int(parts[0]), containerPort: container, protocol: proto)
        case 3 where hostIP == nil:
            guard let container = Int(parts[2]), parts[1].isEmpty || Int(parts[1]) != nil, !parts[0].isEmpty else { return nil }
            return .init(hostIp: String(parts[0]), hostPort: Int(parts[1]), containerPort: container, protocol: proto)
        default:
            return nil
        }
    }

    /// `data:/data`, `data:/data:ro`, `/srv/data:/data` (bind), `tmpfs:/cache`.
    static func mount(_ text: String) -> ContainerCreateInput.Mount? {
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var readOnly = false
        if parts.count == 3, parts[2] == "ro" || parts[2] == "rw" {
            readOnly = parts[2] == "ro"
            parts.removeLast()
        }
        guard parts.count == 2, !parts[0].isEmpty, parts[1].hasPrefix("/") else { return nil }
        if parts[0] == "tmpfs" { return .init(type: "tmpfs", source: nil, target: parts[1], readOnly: readOnly) }
        let type = parts[0].hasPrefix("/") ? "bind" : "volume"
        return .init(type: type, source: parts[0], target: parts[1], readOnly: readOnly)
    }
}

/// Splits a command line into words as a POSIX shell would for simple input: spaces separate,
/// single quotes keep everything, double quotes keep all but `\"` and `\\`, a backslash outside
/// quotes keeps the next character. Nil when a quote is left open.
enum ShellWords {
    static func split(_ text: String) -> [String]? {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            switch (quote, character) {
            case (nil, "\\"), ("\"", "\\"):
                escaped = true
                inWord = true
            case (nil, "'"), (nil, "\""):
                quote = character
                inWord = true
            case ("'", "'"), ("\"", "\""):
                quote = nil
            case (nil, _) where character.isWhitespace:
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        guard quote == nil, !escaped else { return nil }
        if inWord { words.append(current) }
        return words
    }
}
