import WharfHTTP
import WharfSQLite
import WharfWire

/// Who may see or act on a job: the same as on its host (viewers watch, operators cancel).
/// Jobs live at `/jobs/:id`, not under a host, so the job's host is resolved here, from the job,
/// with the same rules as ``AuthorizationMiddleware`` (a non-admin gets the same 403 for an
/// unknown job and one on a host they were not given; admins get 404), and every refusal is
/// audited as `auth.denied`.
struct JobAccess: Sendable {
    let database: Database
    let hosts: HostServices
    let audit: AuditLog

    /// The job `reference` names, if `context`'s principal may watch it (`operate`: act on it).
    /// Returns the job and its host's scope (nil when the host was removed; admins only).
    func job(_ reference: String, _ request: HTTPRequest, _ context: RequestContext, operate: Bool = false) async throws -> (Job, HostScope?) {
        guard let principal = context.principal else { throw HTTPError(.unauthorized, "Sign in first.") }
        // The job, its host and the caller's grant on it, in one read.
        let found = try await Int64(reference).asyncFlatMap { id in
            try await database.readNow { connection -> (Job, HostGrantRead?)? in
                guard let job = try JobRepository.find(id, on: connection) else { return nil }
                let host = try job.hostID.map { hostID in
                    try HostGrantRead.read(String(hostID), userID: principal.userID, admin: principal.isAdmin, endpoint: false, on: connection)
                }
                return (job, host)
            }
        }
        let permission = operate ? "job operator" : "job viewer"
        guard let (job, hostRead) = found else {
            if principal.isAdmin { throw HTTPError(.notFound, "There is no job \(reference).") }
            try await deny(request, context, reason: "no grant on host", permission: permission, message: "You have no access to this job, or it does not exist.")
        }
        guard let hostID = job.hostID else {
            guard principal.isAdmin else {
                try await deny(request, context, reason: "host removed", permission: permission, message: "You have no access to this job, or it does not exist.")
            }
            return (job, nil)
        }
        guard let scope = try await hosts.scope(String(hostID), for: principal, known: hostRead) else {
            try await deny(request, context, reason: "no grant on host", permission: permission, message: "You have no access to this job, or it does not exist.")
        }
        if operate, !scope.canOperate {
            try await deny(request, context, reason: "operator grant required", permission: permission,
                           message: "You can watch this job but not cancel it; ask an admin for operator access to \(scope.host.name).")
        }
        return (job, scope)
    }

    /// The hosts whose jobs `context`'s principal may list: nil for admins (all of them).
    func visibleHosts(_ context: RequestContext) async throws -> [DockerHost]? {
        guard let principal = context.principal else { return [] }
        if principal.isAdmin { return nil }
        return try await hosts.registry.hosts(visibleTo: principal)
    }

    private func deny(_ request: HTTPRequest, _ context: RequestContext, reason: String, permission: String, message: String) async throws -> Never {
        let entry = context.auditEntry(
            "auth.denied", outcome: .denied, target: request.method.rawValue + " " + request.path,
            parameters: ["reason": reason, "permission": permission], httpStatus: .forbidden)
        try await audit.record(entry)
        throw HTTPError(.forbidden, message)
    }
}

extension Optional {
    /// `map` with an async transform.
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
