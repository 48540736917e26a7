/// One entry of `GET /images/json`.
package struct ImageSummary: Decodable, Sendable {
    package var id: String
    package var parentID: String?
    package var repoTags: [String]?
    package var repoDigests: [String]?
    package var created: Int64
    package var size: Int64
    package var sharedSize: Int64?
    package var virtualSize: Int64?
    package var labels: [String: String]?
    package var containers: Int?

    enum CodingKeys: String, CodingKey {
        case id = "Id", parentID = "ParentId", repoTags = "RepoTags", repoDigests = "RepoDigests", created = "Created"
        case size = "Size", sharedSize = "SharedSize", virtualSize = "VirtualSize", labels = "Labels"
        case containers = "Containers"
    }
}

/// `GET /images/{name}/json`.
package struct ImageInspect: Decodable, Sendable {
    package var id: String
    package var repoTags: [String]?
    package var repoDigests: [String]?
    package var parent: String?
    package var comment: String?
    package var created: String?
    package var author: String?
    package var architecture: String?
    package var os: String?
    package var size: Int64?
    package var config: ContainerConfig?
    package var rootFS: RootFS?

    package struct RootFS: Decodable, Sendable {
        package var type: String
        package var layers: [String]?
        enum CodingKeys: String, CodingKey { case type = "Type", layers = "Layers" }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", repoTags = "RepoTags", repoDigests = "RepoDigests", parent = "Parent", comment = "Comment"
        case created = "Created", author = "Author", architecture = "Architecture", os = "Os", size = "Size"
        case config = "Config", rootFS = "RootFS"
    }
}

/// One layer of `GET /images/{name}/history`.
package struct ImageHistoryItem: Decodable, Sendable {
    package var id: String
    package var created: Int64
    package var createdBy: String
    package var tags: [String]?
    package var size: Int64
    package var comment: String?

    enum CodingKeys: String, CodingKey {
        case id = "Id", created = "Created", createdBy = "CreatedBy", tags = "Tags", size = "Size", comment = "Comment"
    }
}

/// One entry of what `DELETE /images/{name}` and image prune report.
package struct ImageDeleteItem: Decodable, Sendable, Equatable {
    package var untagged: String?
    package var deleted: String?

    enum CodingKeys: String, CodingKey { case untagged = "Untagged", deleted = "Deleted" }
}

/// What `POST /commit` answers.
package struct ImageCommitted: Decodable, Sendable {
    package var id: String
    enum CodingKeys: String, CodingKey { case id = "Id" }
}

/// One result of `GET /images/search`.
package struct ImageSearchResult: Decodable, Sendable, Equatable {
    package var name: String
    package var description: String?
    package var starCount: Int?
    package var isOfficial: Bool?
    package var isAutomated: Bool?

    enum CodingKeys: String, CodingKey {
        case name, description, starCount = "star_count", isOfficial = "is_official", isAutomated = "is_automated"
    }
}

/// What `POST /auth` answers for credentials the registry accepted.
package struct RegistryLogin: Decodable, Sendable {
    package var status: String
    /// A token to use instead of the password, when the registry gives one.
    package var identityToken: String?
    enum CodingKeys: String, CodingKey { case status = "Status", identityToken = "IdentityToken" }
}
