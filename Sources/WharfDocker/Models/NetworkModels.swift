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
    package var ipam: JSONValue?
    package var containers: [String: Endpoint]?
    package var options: [String: String]?
    package var labels: [String: String]?

    package struct Endpoint: Decodable, Sendable {
        package var name: String?
        package var endpointID: String?
        package var macAddress: String?
        package var ipv4Address: String?

        enum CodingKeys: String, CodingKey {
            case name = "Name", endpointID = "EndpointID", macAddress = "MacAddress", ipv4Address = "IPv4Address"
        }
    }

    enum CodingKeys: String, CodingKey {
        case name = "Name", id = "Id", created = "Created", scope = "Scope", driver = "Driver", enableIPv6 = "EnableIPv6"
        case `internal` = "Internal", attachable = "Attachable", ipam = "IPAM", containers = "Containers"
        case options = "Options", labels = "Labels"
    }
}

/// The body of `POST /networks/create`.
package struct NetworkCreateRequest: Encodable, Sendable {
    package var name: String
    package var checkDuplicate: Bool? = true
    package var driver: String?
    package var `internal`: Bool?
    package var attachable: Bool?
    package var labels: [String: String]?
    package var options: [String: String]?

    package init(name: String, driver: String? = nil, internal: Bool? = nil, labels: [String: String]? = nil) {
        self.name = name
        self.driver = driver
        self.internal = `internal`
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey {
        case name = "Name", checkDuplicate = "CheckDuplicate", driver = "Driver", `internal` = "Internal"
        case attachable = "Attachable", labels = "Labels", options = "Options"
    }
}

/// `POST /networks/create` answer.
package struct NetworkCreated: Decodable, Sendable {
    package var id: String
    package var warning: String?

    enum CodingKeys: String, CodingKey { case id = "Id", warning = "Warning" }
}
