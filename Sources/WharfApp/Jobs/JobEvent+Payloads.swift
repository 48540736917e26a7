/// A build step as the engine announces it: `Step 2/5 : RUN make`.
struct JobStep: Codable, Sendable, Equatable {
    let number: Int
    let total: Int
    let text: String
}

/// A layer's progress folded from the engine's messages as the docker CLI shows it: one bar per
/// layer, plus the whole job's share done.
struct LayerState: Codable, Sendable, Equatable {
    /// The layer's short id.
    let id: String
    /// The engine's words: "Downloading", "Pull complete", "Already exists"…
    let status: String
    /// `waiting`, `downloading`, `verifying`, `downloaded`, `extracting`, `pushing`, `complete`,
    /// `exists` or `retrying`.
    let phase: String
    let current: Int64?
    let total: Int64?
    /// This layer's share done, 0–100 (download and extraction each count half).
    let percent: Double
    /// "12.5 MiB / 20.0 MiB", or "".
    let detail: String
    /// The whole job's share done, 0–100, over the layers known so far.
    let overall: Double
}

/// Bytes of the upload the engine has taken so far.
struct JobUpload: Codable, Sendable, Equatable {
    let bytes: Int64
}

/// What a job made: the image's id, and its names.
struct JobOutcome: Codable, Sendable, Equatable {
    let imageId: String?
    let tags: [String]
}

/// The last event of every job.
struct JobEnd: Codable, Sendable, Equatable {
    let status: String
    let message: String?
}
