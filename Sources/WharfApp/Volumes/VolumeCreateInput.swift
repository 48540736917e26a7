import WharfDocker
import WharfHTTP
import WharfWire

/// A volume to create, as the API takes it (JSON) and the form fills it: name (empty for a
/// generated one), driver (`local` by default), driver options and labels. ``check()`` reports
/// every problem by field at once.
struct VolumeCreateInput: Decodable, Sendable {
    var name: String?
    var driver: String?
    var driverOpts: [String: String]?
    var labels: [String: String]?

    init(name: String? = nil, driver: String? = nil, driverOpts: [String: String]? = nil, labels: [String: String]? = nil) {
        self.name = name
        self.driver = driver
        self.driverOpts = driverOpts
        self.labels = labels
    }

    /// What passed the checks, ready for the engine.
    struct Checked: Sendable {
        let request: VolumeCreateRequest
        /// Driver options that mount something of the host itself: a bind (`o=bind`,
        /// `type=none`) or a device path (`device=/…`). Admins only (``AdminOnly``).
        let bindsHostPath: Bool

        var name: String? { request.name }
        var target: String { request.name.map { "\($0) (new)" } ?? "(generated name)" }
        var auditParameters: [String: String] {
            var parameters = ["driver": request.driver ?? "local"]
            if let options = request.driverOpts, !options.isEmpty { parameters["options"] = KeyValueLines.text(options).replacing("\n", with: " ") }
            if let labels = request.labels, !labels.isEmpty { parameters["labels"] = KeyValueLines.text(labels).replacing("\n", with: " ") }
            return parameters
        }
    }

    /// - Throws: ``FieldErrors`` naming each field that is wrong (`name`, `driver`, `driverOpts`, `labels`).
    func check() throws -> Checked {
        var problems: [String: String] = [:]
        let driver = String((driver ?? "").trimmingASCIISpaces())
        let effectiveDriver = driver.isEmpty ? "local" : driver
        if driver.utf8.count > 128 || !driver.utf8.allSatisfy(Self.isDriverByte) {
            problems["driver"] = "A driver name is letters, digits and . _ - / : (at most 128)."
        }
        let name = String((name ?? "").trimmingASCIISpaces())
        if let problem = Self.nameProblem(name, driver: effectiveDriver) { problems["name"] = problem }
        let options = driverOpts ?? [:]
        if options.keys.contains(where: { $0.isEmpty || $0.contains(where: \.isWhitespace) }) {
            problems["driverOpts"] = "Each option needs a name without spaces: option=value."
        }
        let labels = labels ?? [:]
        if labels.keys.contains(where: { $0.isEmpty }) { problems["labels"] = "Each label needs a key: key=value." }
        guard problems.isEmpty else { throw FieldErrors(problems) }
        return Checked(
            request: VolumeCreateRequest(
                name: name.isEmpty ? nil : name, driver: effectiveDriver, driverOpts: options.isEmpty ? nil : options,
                labels: labels.isEmpty ? nil : labels),
            bindsHostPath: Self.bindsHostPath(options))
    }

    /// What is wrong with a volume name, nil when nothing (empty asks the engine for a generated one).
    static func nameProblem(_ name: String, driver: String) -> String? {
        guard !name.isEmpty else { return nil }
        if driver == "local" {
            // The local driver's own rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+
            let bytes = Array(name.utf8)
            let ok = bytes.count >= 2 && bytes.count <= 255 && isAlphanumeric(bytes[0])
                && bytes.dropFirst().allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
            return ok ? nil : "A local volume's name is 2 to 255 letters, digits, dots, dashes and underscores, starting with a letter or digit."
        }
        return name.utf8.count <= 255 && !name.contains("/") && !name.unicodeScalars.contains(where: { $0.value < 0x20 })
            ? nil : "A volume name is at most 255 characters, without / or control characters."
    }

    /// Whether driver options mount a path or device of the host (`o=bind`, `type=none`, `device=/…`).
    static func bindsHostPath(_ options: [String: String]) -> Bool {
        let mountOptions = (options["o"] ?? "").split(separator: ",").map { $0.trimmingASCIISpaces().lowercased() }
        return mountOptions.contains("bind") || mountOptions.contains("rbind")
            || options["type"]?.trimmingASCIISpaces().lowercased() == "none"
            || options["device"]?.trimmingASCIISpaces().hasPrefix("/") == true
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private static func isDriverByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || [UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: ":")].contains(byte)
    }

    static let schema = JSONSchema.named("VolumeCreate", .object([
        "name": .nullable(.string(description: "Empty or absent: the engine generates one.")),
        "driver": .nullable(.string(description: "local by default.")),
        "driverOpts": .nullable(.map(.string(), description: "Driver options; ones that bind a host path (o=bind, type=none, device=/…) are for admins only.")),
        "labels": .nullable(.map(.string())),
    ]))
}

/// The create form as typed: options and labels one `key=value` per line.
struct VolumeForm: Sendable {
    static let fields = ["name", "driver", "options", "labels"]
    var values: [String: String] = [:]

    init() { values["driver"] = "local" }

    init(_ form: Form) {
        for field in Self.fields { values[field] = form[field] ?? "" }
    }

    /// The input, or every problem by form field.
    func checked() throws -> VolumeCreateInput.Checked {
        var problems: [String: String] = [:]
        let options = KeyValueLines.parse(values["options"] ?? "", what: "option")
        let labels = KeyValueLines.parse(values["labels"] ?? "")
        if let problem = options.problem { problems["options"] = problem }
        if let problem = labels.problem { problems["labels"] = problem }
        let input = VolumeCreateInput(name: values["name"], driver: values["driver"], driverOpts: options.pairs, labels: labels.pairs)
        do {
            let checked = try input.check()
            if problems.isEmpty { return checked }
        } catch let error as FieldErrors {
            for (field, message) in error.fieldErrors {
                let formField = field == "driverOpts" ? "options" : field
                if problems[formField] == nil { problems[formField] = message }
            }
        }
        throw FieldErrors(problems)
    }
}
