package import WharfSQLite

/// What a job does.
package enum JobKind: String, Sendable, CaseIterable, SQLiteValueConvertible {
    case build, pull, push, load, `import`

    package var sqliteValue: SQLiteValue { .text(rawValue) }
    package static func decode(from value: SQLiteValue) -> JobKind? {
        if case .text(let text) = value { return JobKind(rawValue: text) }
        return nil
    }

    /// "Build", "Pull"… for pages.
    var label: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
}

/// Where a job is. `queued` and `running` are live; the others are final.
package enum JobStatus: String, Sendable, CaseIterable, SQLiteValueConvertible {
    case queued, running, succeeded, failed, cancelled, interrupted

    package var sqliteValue: SQLiteValue { .text(rawValue) }
    package static func decode(from value: SQLiteValue) -> JobStatus? {
        if case .text(let text) = value { return JobStatus(rawValue: text) }
        return nil
    }

    package var isFinal: Bool { self != .queued && self != .running }

    /// The badge class pages use.
    var badge: String {
        switch self {
        case .queued, .running: "info"
        case .succeeded: "ok"
        case .failed: "danger"
        case .cancelled, .interrupted: "warn"
        }
    }
}

/// One job as stored in `jobs`: a build, pull, push, load or import run by the server on a host,
/// started by a user; its output is in `job_events` (see ``JobOutput``).
package struct Job: Sendable, Equatable {
    package let id: Int64
    /// Nil when the host was removed since (``hostName`` keeps its name).
    package let hostID: Int64?
    package let hostName: String
    package let userID: Int64?
    package let userName: String?
    package let kind: JobKind
    /// What it is about, as the user named it ("busybox:latest").
    package let target: String
    /// Options as given (secrets left out), sorted by name.
    package let parameters: [String: String]
    package var status: JobStatus
    package var message: String?
    package var imageID: String?
    package let createdMs: Int64
    package var startedMs: Int64?
    package var finishedMs: Int64?
    /// The newest stored event's id.
    package var lastEvent: Int64
    package var outputBytes: Int64
    /// When the retention settings removed the output.
    package var prunedMs: Int64?

    static let columns = """
        id, host_id, host_name, user_id, user_name, kind, target, parameters, status, message, image_id, created_ms, \
        started_ms, finished_ms, last_event, output_bytes, pruned_ms
        """

    init(row: Row) throws {
        id = try row.get("id")
        hostID = try row.get("host_id")
        hostName = try row.get("host_name")
        userID = try row.get("user_id")
        userName = try row.get("user_name")
        kind = try row.get("kind")
        target = try row.get("target")
        parameters = JobParameters.decode(try row.get("parameters", as: String.self))
        status = try row.get("status")
        message = try row.get("message")
        imageID = try row.get("image_id")
        createdMs = try row.get("created_ms")
        startedMs = try row.get("started_ms")
        finishedMs = try row.get("finished_ms")
        lastEvent = try row.get("last_event")
        outputBytes = try row.get("output_bytes")
        prunedMs = try row.get("pruned_ms")
    }

    /// "Pull busybox:latest on engine-a".
    var title: String { "\(kind.label) \(target) on \(hostName)" }

    /// The audit target of the job's rows: "busybox:latest (job 12)".
    var auditTarget: String { "\(target) (job \(id))" }

    /// How long it ran (or has run until `now`), milliseconds.
    func durationMs(now: Int64) -> Int64? {
        guard let startedMs else { return nil }
        return max(0, (finishedMs ?? now) - startedMs)
    }
}
