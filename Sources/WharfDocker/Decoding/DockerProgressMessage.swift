/// One line of build, pull or push output (the engine's `jsonmessage.JSONMessage`).
package struct DockerProgressMessage: Codable, Sendable, Equatable {
    /// A pull or push step: "Pulling fs layer", "Downloading", "Pull complete".
    package var status: String?
    /// The layer (or image) the status is about.
    package var id: String?
    /// A progress bar as text, for display as is.
    package var progress: String?
    package var progressDetail: ProgressDetail?
    /// Build output text (`Step 1/2 : FROM …`), with its own line ends.
    package var stream: String?
    /// The in-band error, when the operation failed after the `200`.
    package var error: String?
    package var errorDetail: ErrorDetail?
    /// Extra results, such as the built image's `{"ID": "sha256:…"}`.
    package var aux: JSONValue?

    package init(status: String? = nil, id: String? = nil, stream: String? = nil, error: String? = nil) {
        self.status = status
        self.id = id
        self.stream = stream
        self.error = error
    }

    package struct ProgressDetail: Codable, Sendable, Equatable {
        package var current: Int64?
        package var total: Int64?
    }

    package struct ErrorDetail: Codable, Sendable, Equatable {
        package var code: Int?
        package var message: String?
    }

    /// The in-band error this message reports, if any.
    package var failure: DockerError? {
        guard error != nil || errorDetail?.message != nil else { return nil }
        return .stream(message: errorDetail?.message ?? error ?? "unknown error", code: errorDetail?.code)
    }
}
