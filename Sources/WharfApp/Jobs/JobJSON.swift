/// A job as `/api/v1` shows it: documented camelCase fields, times in Unix milliseconds.
struct JobJSON: Encodable, Sendable {
    let id: Int64
    let hostId: Int64?
    let hostName: String
    let userId: Int64?
    let userName: String?
    let kind: String
    let target: String
    let parameters: [String: String]
    let status: String
    let message: String?
    let imageId: String?
    let createdMs: Int64
    let startedMs: Int64?
    let finishedMs: Int64?
    let durationMs: Int64?
    let lastEventId: Int64
    let outputBytes: Int64
    let outputRemoved: Bool
    /// The job's page.
    let url: String
    /// Its output as server-sent events.
    let eventsUrl: String

    init(_ job: Job, now: Int64) {
        id = job.id
        hostId = job.hostID
        hostName = job.hostName
        userId = job.userID
        userName = job.userName
        kind = job.kind.rawValue
        target = job.target
        parameters = job.parameters
        status = job.status.rawValue
        message = job.message
        imageId = job.imageID
        createdMs = job.createdMs
        startedMs = job.startedMs
        finishedMs = job.finishedMs
        durationMs = job.durationMs(now: now)
        lastEventId = job.lastEvent
        outputBytes = job.outputBytes
        outputRemoved = job.prunedMs != nil
        url = "/jobs/\(job.id)"
        eventsUrl = "/api/v1/jobs/\(job.id)/events"
    }

    static let schema = JSONSchema.named("Job", .object([
        "id": .integer(),
        "hostId": .nullable(.integer(description: "Null when the host was removed since.")),
        "hostName": .string(),
        "userId": .nullable(.integer()), "userName": .nullable(.string()),
        "kind": .string(values: JobKind.allCases.map(\.rawValue)),
        "target": .string(description: "What the job is about: the image reference pulled, pushed or built."),
        "parameters": .map(.string(), description: "The options given; secrets are never stored."),
        "status": .string(values: JobStatus.allCases.map(\.rawValue)),
        "message": .nullable(.string(description: "Why it failed, was cancelled or interrupted.")),
        "imageId": .nullable(.string(description: "The image the job made or fetched.")),
        "createdMs": .integer(description: "Unix time, milliseconds."),
        "startedMs": .nullable(.integer()), "finishedMs": .nullable(.integer()),
        "durationMs": .nullable(.integer(description: "How long it ran, or has run so far.")),
        "lastEventId": .integer(description: "The newest stored event's id (Last-Event-ID resumes after it)."),
        "outputBytes": .integer(), "outputRemoved": .boolean(description: "The retention settings removed the output."),
        "url": .string(), "eventsUrl": .string(),
    ], required: [
        "id", "hostName", "kind", "target", "parameters", "status", "createdMs", "lastEventId", "outputBytes",
        "outputRemoved", "url", "eventsUrl",
    ]))
}

/// `GET /api/v1/jobs`: a page of jobs, newest first, and the `before` value of the next page.
struct JobListJSON: Encodable, Sendable {
    let jobs: [JobJSON]
    let next: Int64?

    static let schema = JSONSchema.named("JobList", .object([
        "jobs": .array(JobJSON.schema),
        "next": .nullable(.integer(description: "Pass as `before` for the next (older) page; null on the last page.")),
    ], required: ["jobs"]))
}

/// A job as the API answers when it is started: the job, with where to watch it.
struct JobStartedJSON: Encodable, Sendable {
    let job: JobJSON

    static let schema = JSONSchema.named("JobStarted", .object(["job": JobJSON.schema], required: ["job"]))
}
