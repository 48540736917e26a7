import WharfDocker
import WharfHTTP
import WharfWire

/// A container to connect to a network, as the API takes it (JSON) and the form fills it.
struct NetworkConnectInput: Decodable, Sendable {
    var container: String
    var aliases: [String]?
    var ipv4Address: String?
    var ipv6Address: String?

    /// From the form: aliases separated by commas or spaces.
    init(_ form: Form) {
        container = form.text("container")
        aliases = form.text("aliases").split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map(String.init)
        ipv4Address = form.text("ipv4")
        ipv6Address = form.text("ipv6")
    }

    /// - Throws: ``FieldErrors`` by form field (`container`, `aliases`, `ipv4`, `ipv6`).
    func check() throws -> (container: String, options: NetworkEndpointOptions) {
        var problems: [String: String] = [:]
        let container = String(container.trimmingASCIISpaces())
        if container.isEmpty { problems["container"] = "Choose the container to connect." }
        let aliases = (aliases ?? []).map { String($0.trimmingASCIISpaces()) }.filter { !$0.isEmpty }
        if let bad = aliases.first(where: { !Self.isAlias($0) }) {
            problems["aliases"] = "\"\(bad)\" is not a name: letters, digits, dots, dashes and underscores."
        }
        let ipv4 = String((ipv4Address ?? "").trimmingASCIISpaces())
        let ipv6 = String((ipv6Address ?? "").trimmingASCIISpaces())
        if !ipv4.isEmpty, NetworkAddress.ipv4(ipv4) == nil { problems["ipv4"] = "\"\(ipv4)\" is not an IPv4 address." }
        if !ipv6.isEmpty, !NetworkAddress.isIPv6(ipv6) { problems["ipv6"] = "\"\(ipv6)\" is not an IPv6 address." }
        guard problems.isEmpty else { throw FieldErrors(problems) }
        return (container, NetworkEndpointOptions(aliases: aliases, ipv4Address: ipv4.isEmpty ? nil : ipv4, ipv6Address: ipv6.isEmpty ? nil : ipv6))
    }

    static func isAlias(_ text: String) -> Bool {
        text.utf8.count <= 253 && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    static let schema = JSONSchema.named("NetworkConnect", .object([
        "container": .string(description: "The container's id or name."),
        "aliases": .nullable(.array(.string(), description: "Other names it answers to on this network.")),
        "ipv4Address": .nullable(.string(description: "A fixed address; the network needs its own subnet.")),
        "ipv6Address": .nullable(.string()),
    ], required: ["container"]))

    /// The API's field names, as the form names them.
    static let apiFields = ["ipv4": "ipv4Address", "ipv6": "ipv6Address"]
}

/// `POST …/networks/{id}/disconnect`.
struct NetworkDisconnectInput: Decodable, Sendable {
    var container: String
    var force: Bool?

    static let schema = JSONSchema.named("NetworkDisconnect", .object([
        "container": .string(description: "The container's id or name."),
        "force": .nullable(.boolean(description: "Disconnect even if the engine cannot clean up the endpoint.")),
    ], required: ["container"]))
}
