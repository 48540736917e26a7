import WharfHTTP
import WharfWire

/// `/api/v1/jobs…`: the jobs the caller may see, one job, its events (SSE) and output (text),
/// cancel; the retention settings for admins. Same rules and audit as the pages.
struct JobAPIRoutes: Sendable {
    let service: JobService

    func register(into router: inout AppRouter) {
        let service = self.service
        router.api(.get, "/jobs", permission: .signedIn, operation: APIOperation(
            id: "listJobs", summary: "Jobs on the hosts the caller may see, newest first", tag: "jobs",
            query: JobQuery.parameters, responses: [.init(200, "A page of jobs", JobListJSON.schema)])
        ) { request, context in
            let (jobs, next) = try await service.list(try JobQuery(request), context: context)
            let now = AuditEntry.now()
            return try .json(encoding: JobListJSON(jobs: jobs.map { JobJSON($0, now: now) }, next: next))
        }
        router.api(.get, "/jobs/settings", permission: .admin, operation: APIOperation(
            id: "getJobRetention", summary: "How long and how much job output is kept", tag: "jobs",
            responses: [.init(200, "The retention settings", JobRetention.Settings.schema)])
        ) { _, _ in
            try .json(encoding: try await service.runner.retention.settings())
        }
        router.api(.put, "/jobs/settings", permission: .admin, operation: APIOperation(
            id: "setJobRetention", summary: "Change how long and how much job output is kept (audited)", tag: "jobs",
            description: "Output beyond the new limits is removed at once, oldest first; job rows and audit rows stay.",
            body: JobRetention.Settings.schema, responses: [.init(200, "The saved settings", JobRetention.Settings.schema)])
        ) { request, context in
            let settings = try await JSONBody.decode(JobRetention.Settings.self, from: request)
            try await service.runner.retention.save(settings, context: context)
            return try .json(encoding: try await service.runner.retention.settings())
        }
        router.api(.get, "/jobs/:id", permission: .signedIn, operation: APIOperation(
            id: "getJob", summary: "One job: kind, status, timings, what it made", tag: "jobs",
            responses: [.init(200, "The job", JobJSON.schema)])
        ) { request, context in
            let (job, _) = try await service.access.job(context.parameters["id"] ?? "", request, context)
            return try .json(encoding: JobJSON(job, now: AuditEntry.now()))
        }
        router.api(.get, "/jobs/:id/events", permission: .signedIn, operation: APIOperation(
            id: "followJob", summary: "A job's output as server-sent events, replayed from Last-Event-ID, then live", tag: "jobs",
            description: "Events: `line` (text), `step` ({number,total,text}), `layer` ({id,status,phase,current,total,percent,"
                + "detail,overall}), `upload` ({bytes}), `error` (text), `result` ({imageId,tags}), `end` ({status,message}, "
                + "always last; the stream then closes). Each has an `id`, 1, 2, 3…; send the last one you have as "
                + "`Last-Event-ID` (or `?after=`) to get exactly what you missed. A comment line every 15 s keeps the "
                + "connection open.",
            query: [.init("after", .integer(minimum: 0), "Resume after this event id (Last-Event-ID wins when both are sent).")],
            responses: [.init(200, "An event stream", nil, contentType: "text/event-stream")])
        ) { request, context in
            let (job, _) = try await service.access.job(context.parameters["id"] ?? "", request, context)
            return service.stream.response(job, after: JobStream.cursor(request))
        }
        router.api(.get, "/jobs/:id/output", permission: .signedIn, operation: APIOperation(
            id: "getJobOutput", summary: "A job's stored output as text, streamed", tag: "jobs",
            responses: [.init(200, "One line per output line, step, layer state and error", nil, contentType: "text/plain")])
        ) { request, context in
            let (job, _) = try await service.access.job(context.parameters["id"] ?? "", request, context)
            return service.text(job, attachment: false)
        }
        router.api(.post, "/jobs/:id/cancel", permission: .signedIn, operation: APIOperation(
            id: "cancelJob", summary: "Cancel a running job (the engine stops it; audited)", tag: "jobs",
            description: "Answers at once; the job ends `cancelled` when the engine has stopped (follow its events).",
            responses: [.init(202, "Cancelling", JobJSON.schema)])
        ) { request, context in
            let (job, _) = try await service.access.job(context.parameters["id"] ?? "", request, context, operate: true)
            try await service.runner.cancel(job, context: context)
            return try .json(encoding: JobJSON(job, now: AuditEntry.now()), status: .accepted)
        }
    }
}
