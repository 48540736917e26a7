import WharfHTTP
import WharfSQLite
import WharfTemplates
import WharfWire

/// The jobs pages: the list (filters by host, kind, user and status; retention settings for
/// admins), one job (steps, layers, output, followed live), its events, its output as text, and
/// cancel. Jobs are not under a host, so each route checks the job's host itself (``JobAccess``).
struct JobRoutes: Sendable {
    let pages: Pages
    let service: JobService
    let flash: FlashSigner
    let time: TimeSource

    func register(into router: inout AppRouter) {
        router.add(.get, "/jobs", permission: .signedIn) { request, context in
            let query = try JobQuery(request, form: true)
            let (jobs, next) = try await service.list(query, context: context)
            let visible = try await service.access.visibleHosts(context)
            var hosts = visible ?? []
            if visible == nil { hosts = try await service.hosts.registry.hosts() }
            let isAdmin = context.principal?.isAdmin ?? false
            var retention: JobRetention.Settings?
            if isAdmin { retention = try await service.runner.retention.settings() }
            return try pages.render("jobs/index", title: "Jobs", context: context, section: "jobs", values: [
                "jobs": .list(jobs.map { JobViews.row($0, now: time.now()) }),
                "filters": JobViews.filterValues(query, hosts: hosts),
                "next": next.map { .text(query.link(before: $0)) } ?? .null,
                "isAdmin": .bool(isAdmin),
                "retention": retention.map { .object(["days": .int($0.days), "megabytes": .int($0.megabytes)]) } ?? .null,
            ])
        }
        router.add(.get, "/jobs/:id", permission: .signedIn) { request, context in
            let (job, scope) = try await service.access.job(context.parameters["id"] ?? "", request, context)
            let page = try await service.page(job)
            return try pages.render("jobs/show", title: job.title, context: context, section: "jobs", values: [
                "job": JobViews.detail(job, now: time.now(), canCancel: scope?.canOperate ?? false),
                "page": page.templateValue(failed: job.status == .failed || job.status == .interrupted || job.status == .cancelled),
                "live": job.status.isFinal ? .null : .text("/jobs/\(job.id)/events?after=\(page.lastSeq)"),
            ])
        }
        router.add(.get, "/jobs/:id/events", permission: .signedIn) { request, context in
            let (job, _) = try await service.access.job(context.parameters["id"] ?? "", request, context)
            return service.stream.response(job, after: JobStream.cursor(request))
        }
        router.add(.get, "/jobs/:id/output", permission: .signedIn) { request, context in
            let (job, _) = try await service.access.job(context.parameters["id"] ?? "", request, context)
            return service.text(job, attachment: true)
        }
        router.add(.post, "/jobs/:id/cancel", permission: .signedIn) { request, context in
            let (job, _) = try await service.access.job(context.parameters["id"] ?? "", request, context, operate: true)
            do {
                try await service.runner.cancel(job, context: context)
                return flash.redirectBack(request, fallback: "/jobs/\(job.id)", .notice("Cancelling job \(job.id)…"), context: context)
            } catch let error as any PublicError where error.status.code < 500 {
                return flash.redirectBack(request, fallback: "/jobs/\(job.id)", .error(error.publicMessage), context: context)
            }
        }
        router.add(.post, "/jobs/settings", permission: .admin) { request, context in
            let form = try await Form.read(request)
            do {
                try await service.runner.retention.save(
                    JobRetention.Settings(days: Int(form.text("days")) ?? 0, megabytes: Int(form.text("megabytes")) ?? 0), context: context)
                return flash.redirect(to: "/jobs", .notice("Job output retention saved."), context: context)
            } catch let error as FieldErrors {
                return flash.redirect(to: "/jobs", .error(error.publicMessage), context: context)
            }
        }
    }
}

/// The jobs list's query: `host`, `kind`, `user`, `status`, and `before` (the keyset of older
/// pages), read the same way by the page and the API. - Throws: 400 naming a bad value.
struct JobQuery: Sendable, Equatable {
    var filter = JobFilter()
    var before: Int64?
    var limit = 50

    init() {}

    /// - Parameter form: the list page's filter form, which sends every field, so an empty one
    ///   means any; the API takes only the filters it is given (an empty value is a 400).
    init(_ request: HTTPRequest, form: Bool = false) throws {
        // Each filter is one value.
        func value(_ name: String) throws -> String? {
            let given = request.queryItems.filter { $0.name == name }
            guard given.count <= 1 else { throw HTTPError(.badRequest, "\(name) may be given once.") }
            guard let text = given.first.map({ String($0.value.trimmingASCIISpaces()) }) else { return nil }
            if text.isEmpty {
                if form { return nil }
                throw HTTPError(.badRequest, "\(name) is empty: leave it out to list every job.")
            }
            return text
        }
        if let host = try value("host") {
            guard let id = Int64(host), id >= 1 else { throw HTTPError(.badRequest, "host must be a host's id.") }
            filter.hostID = id
        }
        if let kind = try value("kind") {
            guard let parsed = JobKind(rawValue: kind) else {
                throw HTTPError(.badRequest, "kind must be one of \(JobKind.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            filter.kind = parsed
        }
        if let status = try value("status") {
            guard let parsed = JobStatus(rawValue: status) else {
                throw HTTPError(.badRequest, "status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            filter.status = parsed
        }
        filter.userName = try value("user")
        if let before = try value("before") {
            guard let id = Int64(before), id >= 1 else { throw HTTPError(.badRequest, "before must be a job id.") }
            self.before = id
        }
        if let limit = try value("limit") {
            guard let count = Int(limit), count >= 1 else { throw HTTPError(.badRequest, "limit must be a number of jobs, 1 or more.") }
            self.limit = min(count, 500)
        }
    }

    /// The list's address with these filters and `before`.
    func link(before: Int64) -> String {
        var items: [(String, String)] = []
        if let host = filter.hostID { items.append(("host", String(host))) }
        if let kind = filter.kind { items.append(("kind", kind.rawValue)) }
        if let user = filter.userName { items.append(("user", user)) }
        if let status = filter.status { items.append(("status", status.rawValue)) }
        items.append(("before", String(before)))
        return "/jobs?" + items.map { "\($0.0)=\(FormDecoding.encode($0.1))" }.joined(separator: "&")
    }

    static let parameters: [APIOperation.Parameter] = [
        .init("host", .integer(minimum: 1), "Only jobs on this host (its id)."),
        .init("kind", .string(values: JobKind.allCases.map(\.rawValue)), "Only jobs of this kind."),
        .init("user", .string(), "Only jobs started by this user (name)."),
        .init("status", .string(values: JobStatus.allCases.map(\.rawValue)), "Only jobs in this state."),
        .init("before", .integer(minimum: 1), "Only jobs older than this id (the `next` of the previous page)."),
        .init("limit", .integer(minimum: 1), "Jobs per page, 50 by default, 500 at most (more asks for 500)."),
    ]
}
