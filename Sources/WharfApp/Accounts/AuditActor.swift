/// Who does an audited thing and from where, without the what: the web layer makes one from a
/// request (``RequestContext/auditActor``), the CLI from the invoking user.
package struct AuditActor: Sendable, Equatable {
    package var source: AuditSource
    package var actorID: Int64?
    package var actorName: String?
    package var clientAddress: String?
    package var userAgent: String?
    package var durationMilliseconds: Int64?

    package init(
        source: AuditSource, actorID: Int64? = nil, actorName: String? = nil, clientAddress: String? = nil,
        userAgent: String? = nil, durationMilliseconds: Int64? = nil
    ) {
        self.source = source
        self.actorID = actorID
        self.actorName = actorName
        self.clientAddress = clientAddress
        self.userAgent = userAgent
        self.durationMilliseconds = durationMilliseconds
    }

    /// The audit row for `action` done by this actor.
    package func entry(
        _ action: String, outcome: AuditOutcome = .ok, target: String? = nil, parameters: [String: String] = [:],
        httpStatus: Int? = nil, error: String? = nil
    ) -> AuditEntry {
        AuditEntry(
            action: action, outcome: outcome, source: source, actorID: actorID, actorName: actorName,
            clientAddress: clientAddress, userAgent: userAgent, target: target, parameters: parameters,
            httpStatus: httpStatus, error: error, durationMilliseconds: durationMilliseconds)
    }
}
