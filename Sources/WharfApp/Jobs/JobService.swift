import WharfHTTP
import WharfSQLite
import WharfWire

/// What the jobs pages and the jobs API do, once: list, fold a job's events for its page, stream
/// its events and its output as text. Starting jobs is the resources' business (images: pull,
/// push, build, load, import), through ``runner``.
package struct JobService: Sendable {
    let runner: JobRunner
    let access: JobAccess
    let stream: JobStream
    let hosts: HostServices

    package init(runner: JobRunner, hosts: HostServices, audit: AuditLog) {
        self.runner = runner
        self.hosts = hosts
        access = JobAccess(database: runner.database, hosts: hosts, audit: audit)
        stream = JobStream(runner: runner)
    }

    var database: Database { runner.database }

    /// A page of the jobs the caller may see, and the `before` of the next page.
    func list(_ query: JobQuery, context: RequestContext) async throws -> ([Job], Int64?) {
        let visible = try await access.visibleHosts(context)?.map(\.id)
        let jobs = try await database.read { connection in
            try JobRepository.page(query.filter, visibleHosts: visible, before: query.before, limit: query.limit + 1, on: connection)
        }
        let page = Array(jobs.prefix(query.limit))
        return (page, jobs.count > query.limit ? page.last?.id : nil)
    }

    /// The job's page, folded from its stored events.
    func page(_ job: Job) async throws -> JobPage {
        try await database.read { connection in
            let last = try connection.queryValue("SELECT last_event FROM jobs WHERE id = ?", [.integer(job.id)], as: Int64.self) ?? 0
            let steps = try JobRepository.events(of: job.id, kinds: [.step], on: connection)
            let layers = try JobRepository.events(of: job.id, kinds: [.layer], on: connection)
            let recent = try JobRepository.events(of: job.id, after: max(0, last - Int64(JobPage.maxLines)), limit: JobPage.maxLines, on: connection)
            return JobPage(steps: steps, layers: layers, recent: recent, lastSeq: last)
        }
    }

    /// The job's whole output as text, streamed from the table in batches.
    func text(_ job: Job, attachment: Bool) -> HTTPResponse {
        let database = self.database
        var headers: HTTPHeaders = ["Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"]
        if attachment { headers.set("Content-Disposition", "attachment; filename=\"job-\(job.id).log\"") }
        return HTTPResponse(status: .ok, headers: headers, body: .stream(length: nil) { writer in
            var cursor: Int64 = 0
            while true {
                let after = cursor
                let events = try await database.read { connection in
                    try JobRepository.events(of: job.id, after: after, limit: JobStream.batch, on: connection)
                }
                guard let last = events.last else { return }
                var bytes: [UInt8] = []
                for event in events {
                    guard let line = JobViews.textLine(event) else { continue }
                    bytes += Array(line.utf8)
                    bytes.append(0x0A)
                }
                if !bytes.isEmpty { try await writer.write(bytes) }
                cursor = last.seq
            }
        })
    }
}
