package import WharfHTTP

/// Things only admins may do on a host, whatever their grant: anything that reaches the host's
/// own filesystem (a bind mount in a container, a volume whose driver options bind a host path).
/// Operators are refused with 403, and the refusal is audited as `auth.denied` with the host.
package enum AdminOnly {
    /// Throws 403 with `message` unless the caller is an admin on `scope`; the refusal is
    /// recorded as `auth.denied` naming `action` and `reason`.
    package static func require(
        _ action: String, target: String, reason: String, message: String, scope: HostScope, context: RequestContext, audit: AuditLog
    ) async throws {
        guard scope.access != .admin else { return }
        var entry = context.auditEntry(
            "auth.denied", outcome: .denied, target: "\(action) \(target)",
            parameters: ["reason": reason, "permission": "admin"], httpStatus: .forbidden)
        entry.hostID = scope.host.id
        try await audit.record(entry)
        throw HTTPError(.forbidden, message)
    }
}
