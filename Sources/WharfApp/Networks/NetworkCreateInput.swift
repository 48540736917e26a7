import WharfDocker
import WharfHTTP
import WharfWire

/// A network to create, as the API takes it (JSON) and the form fills it: name, driver (`bridge`
/// by default), one subnet with its gateway and IP range, internal, attachable, IPv6, labels and
/// driver options. ``check()`` reports every problem by field at once.
struct NetworkCreateInput: Decodable, Sendable {
    var name: String?
    var driver: String?
    var subnet: String?
    var gateway: String?
    var ipRange: String?
    var `internal`: Bool?
    var attachable: Bool?
    var enableIPv6: Bool?
    var labels: [String: String]?
    var options: [String: String]?

    init(name: String? = nil, driver: String? = nil) {
        self.name = name
        self.driver = driver
    }

    struct Checked: Sendable {
        let request: NetworkCreateRequest
        var target: String { "\(request.name) (new)" }
        var auditParameters: [String: String] {
            var parameters = ["driver": request.driver ?? "bridge", "internal": String(request.internal ?? false)]
            if let pool = request.ipam?.config?.first {
                parameters["subnet"] = pool.subnet
                parameters["gateway"] = pool.gateway
                parameters["ipRange"] = pool.ipRange
            }
            if let labels = request.labels, !labels.isEmpty { parameters["labels"] = KeyValueLines.text(labels).replacing("\n", with: " ") }
            if let options = request.options, !options.isEmpty { parameters["options"] = KeyValueLines.text(options).replacing("\n", with: " ") }
            return parameters
        }
    }

    /// - Throws: ``FieldErrors`` naming each field that is wrong.
    func check() throws -> Checked {
        var problems: [String: String] = [:]
        func text(_ value: String?) -> String { String((value ?? "").trimmingASCIISpaces()) }
        let name = text(name)
        if name.isEmpty {
            problems["name"] = "Give the network a name."
        } else if name.utf8.count > 255 || name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            problems["name"] = "A network name is at most 255 characters, without control characters."
        }
        let driver = text(driver)
        if driver.utf8.count > 128 || driver.contains(where: { $0.isWhitespace }) {
            problems["driver"] = "A driver name is one word: bridge, null, macvlan…"
        }
        let (subnet, gateway, ipRange) = (text(subnet), text(gateway), text(ipRange))
        let parsed = NetworkAddress.Subnet(subnet)
        if !subnet.isEmpty, parsed == nil {
            problems["subnet"] = "\"\(subnet)\" is not a subnet: write it as 10.10.0.0/24 or fd00:1::/64."
        }
        if !gateway.isEmpty {
            if !NetworkAddress.isIP(gateway) {
                problems["gateway"] = "\"\(gateway)\" is not an IP address."
            } else if subnet.isEmpty {
                problems["gateway"] = "A gateway needs a subnet."
            } else if let parsed, !parsed.contains(gateway) {
                problems["gateway"] = "\(gateway) is not inside \(subnet)."
            }
        }
        if !ipRange.isEmpty {
            if NetworkAddress.Subnet(ipRange) == nil {
                problems["ipRange"] = "\"\(ipRange)\" is not a range: write it as a subnet, 10.10.0.128/25."
            } else if subnet.isEmpty {
                problems["ipRange"] = "An IP range needs a subnet."
            } else if let parsed, !parsed.contains(ipRange) {
                problems["ipRange"] = "\(ipRange) is not inside \(subnet)."
            }
        }
        if (labels ?? [:]).keys.contains(where: { $0.isEmpty }) { problems["labels"] = "Each label needs a key: key=value." }
        if (options ?? [:]).keys.contains(where: { $0.isEmpty || $0.contains(where: \.isWhitespace) }) {
            problems["options"] = "Each option needs a name without spaces: option=value."
        }
        guard problems.isEmpty else { throw FieldErrors(problems) }
        let ipam = subnet.isEmpty ? nil : IPAM(driver: "default", config: [IPAM.Pool(
            subnet: subnet, ipRange: ipRange.isEmpty ? nil : ipRange, gateway: gateway.isEmpty ? nil : gateway)])
        return Checked(request: NetworkCreateRequest(
            name: name, driver: driver.isEmpty ? "bridge" : driver, internal: `internal` ?? false, attachable: attachable ?? false,
            enableIPv6: enableIPv6 ?? false, ipam: ipam, labels: labels.flatMap { $0.isEmpty ? nil : $0 },
            options: options.flatMap { $0.isEmpty ? nil : $0 }))
    }

    static let schema = JSONSchema.named("NetworkCreate", .object([
        "name": .string(), "driver": .nullable(.string(description: "bridge by default; null, macvlan, ipvlan, overlay or a plugin.")),
        "subnet": .nullable(.string(description: "CIDR: 10.10.0.0/24 or fd00:1::/64.")),
        "gateway": .nullable(.string(description: "An address inside the subnet.")),
        "ipRange": .nullable(.string(description: "The part of the subnet containers get addresses from, as CIDR.")),
        "internal": .nullable(.boolean(description: "No route to outside the network.")),
        "attachable": .nullable(.boolean()), "enableIPv6": .nullable(.boolean()),
        "labels": .nullable(.map(.string())), "options": .nullable(.map(.string(), description: "Driver options.")),
    ], required: ["name"]))
}

/// The create form as typed.
struct NetworkForm: Sendable {
    static let fields = ["name", "driver", "subnet", "gateway", "ip_range", "labels", "options", "internal", "attachable", "ipv6"]
    var values: [String: String] = [:]

    init() { values["driver"] = "bridge" }

    init(_ form: Form) {
        for field in Self.fields { values[field] = form[field] ?? "" }
    }

    func flag(_ field: String) -> Bool { ["1", "on", "true", "yes"].contains(values[field]?.lowercased() ?? "") }

    /// The input, or every problem by form field.
    func checked() throws -> NetworkCreateInput.Checked {
        var problems: [String: String] = [:]
        let labels = KeyValueLines.parse(values["labels"] ?? "")
        let options = KeyValueLines.parse(values["options"] ?? "", what: "option")
        if let problem = labels.problem { problems["labels"] = problem }
        if let problem = options.problem { problems["options"] = problem }
        var input = NetworkCreateInput(name: values["name"], driver: values["driver"])
        input.subnet = values["subnet"]
        input.gateway = values["gateway"]
        input.ipRange = values["ip_range"]
        input.internal = flag("internal")
        input.attachable = flag("attachable")
        input.enableIPv6 = flag("ipv6")
        input.labels = labels.pairs
        input.options = options.pairs
        do {
            let checked = try input.check()
            if problems.isEmpty { return checked }
        } catch let error as FieldErrors {
            for (field, message) in error.fieldErrors {
                let formField = field == "ipRange" ? "ip_range" : field
                if problems[formField] == nil { problems[formField] = message }
            }
        }
        throw FieldErrors(problems)
    }
}
