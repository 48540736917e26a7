package import WharfDocker
package import WharfHTTP

extension HostScope {
    /// Runs an engine action on this host and appends its audit row: actor, host, `action`
    /// (`container.start`), `target` ("web-1 (3f2a1b0c9d8e)"), `parameters` (secret-looking keys
    /// redacted by ``AuditEntry``), outcome, status and duration. A failure is recorded as
    /// `failed` with the message the user sees, then rethrown as the ``EngineError`` naming the
    /// host. The row is committed before the caller answers.
    package func audited<T: Sendable>(
        _ action: String, target: String, parameters: [String: String] = [:], subject: String? = nil,
        context: RequestContext, audit: AuditLog, _ body: (DockerClient) async throws -> T
    ) async throws -> T {
        do {
            let result = try await engine(subject: subject, body)
            try await record(action, target: target, parameters: parameters, context: context, audit: audit, status: .ok, error: nil)
            return result
        } catch let error as any PublicError {
            try await record(
                action, target: target, parameters: parameters, context: context, audit: audit, status: error.status,
                error: error.publicMessage)
            throw error
        }
    }

    /// Appends the row of an action on this host that did not go through ``audited``.
    package func record(
        _ action: String, target: String, parameters: [String: String] = [:], context: RequestContext, audit: AuditLog,
        status: HTTPStatus, error: String?
    ) async throws {
        var entry = context.auditEntry(
            action, outcome: error == nil ? .ok : .failed, target: target, parameters: parameters, httpStatus: status, error: error)
        entry.hostID = host.id
        try await audit.record(entry)
    }
}
