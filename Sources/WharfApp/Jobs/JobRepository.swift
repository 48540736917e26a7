import WharfSQLite

/// The SQL of `jobs` and `job_events`.
enum JobRepository {
    /// What a new job row holds.
    struct NewJob: Sendable {
        let hostID: Int64
        let hostName: String
        let userID: Int64?
        let userName: String?
        let kind: JobKind
        let target: String
        let parameters: [String: String]
    }

    /// Inserts a running job; returns its id.
    static func insert(_ job: NewJob, now: Int64, on connection: SQLiteConnection) throws -> Int64 {
        try connection.execute(
            """
            INSERT INTO jobs (host_id, host_name, user_id, user_name, kind, target, parameters, status, created_ms, started_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)
            """,
            [.integer(job.hostID), .text(job.hostName), SQLiteValue(job.userID), SQLiteValue(job.userName), job.kind.sqliteValue,
             .text(job.target), .text(JobParameters.encode(job.parameters)), .integer(now), .integer(now)])
        return connection.lastInsertRowID
    }

    static func find(_ id: Int64, on connection: SQLiteConnection) throws -> Job? {
        try connection.querySingle("SELECT \(Job.columns) FROM jobs WHERE id = ?", [.integer(id)]).map(Job.init(row:))
    }

    /// A page of jobs, newest first, older than `before` (keyset), that `filter` selects among the
    /// jobs on hosts `visibleHosts` lists (nil: every host, for admins).
    static func page(
        _ filter: JobFilter, visibleHosts: [Int64]?, before: Int64?, limit: Int, on connection: SQLiteConnection
    ) throws -> [Job] {
        var conditions: [String] = []
        var arguments: [SQLiteValue] = []
        if let visibleHosts {
            conditions.append("host_id IN (SELECT value FROM json_each(?))")
            arguments.append(.text("[" + visibleHosts.map(String.init).joined(separator: ",") + "]"))
        }
        if let host = filter.hostID {
            conditions.append("host_id = ?")
            arguments.append(.integer(host))
        }
        if let kind = filter.kind {
            conditions.append("kind = ?")
            arguments.append(kind.sqliteValue)
        }
        if let status = filter.status {
            conditions.append("status = ?")
            arguments.append(status.sqliteValue)
        }
        if let user = filter.userName, !user.isEmpty {
            conditions.append("user_name = ? COLLATE NOCASE")
            arguments.append(.text(user))
        }
        if let before {
            conditions.append("id < ?")
            arguments.append(.integer(before))
        }
        let clause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments.append(.integer(Int64(limit)))
        return try connection.query("SELECT \(Job.columns) FROM jobs \(clause) ORDER BY id DESC LIMIT ?", arguments).map(Job.init(row:))
    }

    /// Stores `events` (numbered in order, following what is stored) and counts them on the job.
    static func append(_ events: [JobEvent], to job: Int64, on connection: SQLiteConnection) throws {
        guard let last = events.last else { return }
        var bytes: Int64 = 0
        for event in events {
            // `execute` reuses the cached statement: one prepare for the whole batch.
            try connection.execute(
                "INSERT INTO job_events (job_id, seq, kind, data) VALUES (?, ?, ?, ?)",
                [.integer(job), .integer(event.seq), .text(event.kind.rawValue), .text(event.data)])
            bytes += Int64(event.data.utf8.count)
        }
        try connection.execute(
            "UPDATE jobs SET last_event = ?, output_bytes = output_bytes + ? WHERE id = ?",
            [.integer(last.seq), .integer(bytes), .integer(job)])
    }

    /// Stored events of `job` after `after` (and up to `through`), in order, at most `limit`.
    static func events(of job: Int64, after: Int64, through: Int64 = .max, limit: Int, on connection: SQLiteConnection) throws -> [JobEvent] {
        var events: [JobEvent] = []
        events.reserveCapacity(min(limit, 4096))
        try connection.queryEach(
            "SELECT seq, kind, data FROM job_events WHERE job_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
            [.integer(job), .integer(after), .integer(through), .integer(Int64(limit))]
        ) { row in
            let kind = JobEvent.Kind(rawValue: try row.get(1, as: String.self)) ?? .line
            events.append(JobEvent(seq: try row.get(0), kind: kind, data: try row.get(2)))
        }
        return events
    }

    /// Stored events of `job` of the given kinds, in order (a page folds steps and layers).
    static func events(of job: Int64, kinds: [JobEvent.Kind], on connection: SQLiteConnection) throws -> [JobEvent] {
        var events: [JobEvent] = []
        let list = "[" + kinds.map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]"
        try connection.queryEach(
            "SELECT seq, kind, data FROM job_events WHERE job_id = ? AND kind IN (SELECT value FROM json_each(?)) ORDER BY seq",
            [.integer(job), .text(list)]
        ) { row in
            let kind = JobEvent.Kind(rawValue: try row.get(1, as: String.self)) ?? .line
            events.append(JobEvent(seq: try row.get(0), kind: kind, data: try row.get(2)))
        }
        return events
    }

    /// Records how a job ended.
    static func finish(
        _ job: Int64, status: JobStatus, message: String?, imageID: String?, now: Int64, on connection: SQLiteConnection
    ) throws {
        try connection.execute(
            "UPDATE jobs SET status = ?, message = ?, image_id = COALESCE(?, image_id), finished_ms = ? WHERE id = ?",
            [status.sqliteValue, SQLiteValue(message), SQLiteValue(imageID), .integer(now), .integer(job)])
    }

    /// The jobs still marked queued or running (after a crash: none is running any more).
    static func live(on connection: SQLiteConnection) throws -> [Job] {
        try connection.query("SELECT \(Job.columns) FROM jobs WHERE status IN ('queued', 'running') ORDER BY id").map(Job.init(row:))
    }
}

/// What the jobs list selects: host, kind, user and status, each optional.
package struct JobFilter: Sendable, Equatable {
    package var hostID: Int64?
    package var kind: JobKind?
    package var userName: String?
    package var status: JobStatus?

    package init(hostID: Int64? = nil, kind: JobKind? = nil, userName: String? = nil, status: JobStatus? = nil) {
        self.hostID = hostID
        self.kind = kind
        self.userName = userName
        self.status = status
    }
}
