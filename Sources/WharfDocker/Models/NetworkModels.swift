/// A network (`GET /networks/{id}`, list entries).
package struct Network: Decodable, Sendable {
    package var name: String
    package var id: String
    package var created: String?
    package var scope: String?
    package var driver: String?
    package var enableIPv6: Bool?
    package var `internal`: Bool?
    package var attachable: Bool?
    package var ingress: Bool?
    package var ipam: IPAM?
    package var containers: [String: Endpoint]?
    package var options: [String: String]?
    package var labels: [String: String]?

    package struct Endpoint: Decodable, Sendable {
        package var name: String?
        package var endpointID: String?
        package var macAddress: String?
        package var ipv4Address: String?
        package var ipv6Address: String?

        enum CodingKeys: String, CodingKey {
            case name = "Name", endpointID = "EndpointID", macAddress = "MacAddress", ipv4Address = "IPv4Address"
            case ipv6Address = "IPv6Address"
        }
    }

    enum CodingKeys: String, CodingKey {
        case name = "Name", id = "Id", created = "Created", scope = "Scope", driver = "Driver", enableIPv6 = "EnableIPv6"
        case `internal` = "Internal", attachable = "Attachable", ingress = "Ingress", ipam = "IPAM", containers = "Containers"
        case options = "Options", labels = "Labels"
    }
}

/// A network's address management: the driver and one entry per subnet.
package struct IPAM: Codable, Sendable, Equatable {
    package var driver: String?
    package var config: [Pool]?
    package var options: [String: String]?

    /// One subnet: `{"Subnet": "10.1.0.0/24", "Gateway": "10.1.0.1", "IPRange": "10.1.0.128/25"}`.
    package struct Pool: Codable, Sendable, Equatable {
        package var subnet: String?
        package var ipRange: String?
        package var gateway: String?
        package var auxiliaryAddresses: [String: String]?

        package init(subnet: String? = nil, ipRange: String? = nil, gateway: String? = nil, auxiliaryAddresses: [String: String]? = nil) {
            self.subnet = subnet
            self.ipRange = ipRange
            self.gateway = gateway
            self.auxiliaryAddresses = auxiliaryAddresses
        }

        enum CodingKeys: String, CodingKey {
            case subnet = "Subnet", ipRange = "IPRange", gateway = "Gateway", auxiliaryAddresses = "AuxiliaryAddresses"
        }
    }

    package init(driver: String? = nil, config: [Pool]? = nil, options: [String: String]? = nil) {
        self.driver = driver
        self.config = config
        self.options = options
    }

    enum CodingKeys: String, CodingKey { case driver = "Driver", config = "Config", options = "Options" }
}

/// The body of `POST /networks/create`.
package struct NetworkCreateRequest: Encodable, Sendable {
    package var name: String
    package var checkDuplicate: Bool? = true
    package var driver: String?
    package var `internal`: Bool?
    package var attachable: Bool?
    package var enableIPv6: Bool?
    package var ipam: IPAM?
    package var labels: [String: String]?
    package var options: [String: String]?

    package init(
        name: String, driver: String? = nil, internal: Bool? = nil, attachable: Bool? = nil, enableIPv6: Bool? = nil,
        ipam: IPAM? = nil, labels: [String: String]? = nil, options: [String: String]? = nil
    ) {
        self.name = name
        self.driver = driver
        self.internal = `internal`
        self.attachable = attachable
        self.enableIPv6 = enableIPv6
        self.ipam = ipam
        self.labels = labels
        self.options = options
    }

    enum CodingKeys: String, CodingKey {
        case name = "Name", checkDuplicate = "CheckDuplicate", driver = "Driver", `internal` = "Internal"
        case attachable = "Attachable", enableIPv6 = "EnableIPv6", ipam = "IPAM", labels = "Labels", options = "Options"
    }
}

/// `POST /networks/create` answer.
package struct NetworkCreated: Decodable, Sendable {
    package var id: String
    package var warning: String?

    enum CodingKeys: String, CodingKey { case id = "Id", warning = "Warning" }
}

/// How a container joins a network (`POST /networks/{id}/connect`): other names it answers to
/// there, and fixed addresses instead of ones the network's IPAM picks.
package struct NetworkEndpointOptions: Sendable, Equatable {
    package var aliases: [String]
    package var ipv4Address: String?
    package var ipv6Address: String?

    package init(aliases: [String] = [], ipv4Address: String? = nil, ipv6Address: String? = nil) {
        self.aliases = aliases
        self.ipv4Address = ipv4Address
        self.ipv6Address = ipv6Address
    }
}
