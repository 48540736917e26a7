/// A volume (`GET /volumes/{name}`, list entries, create answer).
package struct Volume: Decodable, Sendable {
    package var name: String
    package var driver: String
    package var mountpoint: String
    package var createdAt: String?
    package var labels: [String: String]?
    package var scope: String?
    package var options: [String: String]?
    package var usageData: UsageData?

    package struct UsageData: Decodable, Sendable {
        package var size: Int64
        package var refCount: Int64
        enum CodingKeys: String, CodingKey { case size = "Size", refCount = "RefCount" }
    }

    enum CodingKeys: String, CodingKey {
        case name = "Name", driver = "Driver", mountpoint = "Mountpoint", createdAt = "CreatedAt", labels = "Labels"
        case scope = "Scope", options = "Options", usageData = "UsageData"
    }
}

/// `GET /volumes`.
package struct VolumeList: Decodable, Sendable {
    package var volumes: [Volume]?
    package var warnings: [String]?

    enum CodingKeys: String, CodingKey { case volumes = "Volumes", warnings = "Warnings" }
}

/// The body of `POST /volumes/create`.
package struct VolumeCreateRequest: Encodable, Sendable {
    package var name: String?
    package var driver: String?
    package var driverOpts: [String: String]?
    package var labels: [String: String]?

    package init(name: String? = nil, driver: String? = nil, driverOpts: [String: String]? = nil, labels: [String: String]? = nil) {
        self.name = name
        self.driver = driver
        self.driverOpts = driverOpts
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey { case name = "Name", driver = "Driver", driverOpts = "DriverOpts", labels = "Labels" }
}
