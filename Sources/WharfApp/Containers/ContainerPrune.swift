import WharfWire
import WharfDocker
import WharfHTTP

/// Removing stopped containers, in two steps: a preview lists exactly what would go (with the
/// `until` and `label` filters), and only that confirmed selection is removed, and only if it is
/// still what the filters select. The engine's own prune is not used: it would also remove a
/// container that stopped after the preview.
struct ContainerPrune: Sendable {
    /// The stopped containers `filters` select, with their sizes.
    static func preview(_ scope: HostScope, filters: PruneFilters, service: ContainerService) async throws -> [ContainerJSON] {
        var query = ContainerQuery()
        query.all = true
        query.size = true
        for state in ["created", "exited", "dead"] { query.filters.add("status", state) }
        return try await service.list(scope, query).filter { filters.matches(created: $0.created, labels: $0.labels) }
    }

    /// Removes exactly `ids`, if they are still what `filters` select (``PruneSelection``);
    /// audited once as `container.prune`. - Throws: 409 when the selection changed since the
    /// preview (nothing is removed), or when some could not be removed (the others are).
    static func confirm(
        _ ids: [String], filters: PruneFilters, scope: HostScope, context: RequestContext, service: ContainerService
    ) async throws -> (removed: [ContainerJSON], reclaimed: Int64) {
        let current = try await preview(scope, filters: filters, service: service)
        try PruneSelection.check(confirmed: ids, current: current.map { ($0.id, $0.name) }, what: "containers")
        let removed = try await PruneSelection.removeEach(
            current, action: "container.prune", noun: "containers", name: { "\($0.name) (\($0.shortId))" },
            parameters: { _ in filters.auditParameters }, scope: scope, context: context, audit: service.audit
        ) { container in try await scope.engine(subject: container.name) { client in try await client.removeContainer(container.id) } }.removed
        return (removed, removed.reduce(0) { $0 + max(0, $1.sizeRw ?? 0) })
    }

    struct Request: Decodable {
        var dryRun: Bool?
        var until: String?
        var label: [String]?
        var ids: [String]?
    }

    struct Answer: Encodable {
        let containers: [ContainerJSON]
        let spaceReclaimed: Int64
        let dryRun: Bool

        static let schema = JSONSchema.named("ContainerPrune", .object([
            "containers": .array(ContainerJSON.schema, description: "What would be removed (dryRun) or was removed."),
            "spaceReclaimed": .integer(description: "Bytes of the containers' writable layers."),
            "dryRun": .boolean(),
        ], required: ["containers", "spaceReclaimed", "dryRun"]))
    }

    static func registerAPI(into router: inout AppRouter, service: ContainerService) {
        router.hostAPI(.post, "/prune/containers", permission: .hostOperate, operation: APIOperation(
            id: "pruneContainers", summary: "Preview (dryRun) or remove stopped containers", tag: "containers",
            description: "First call with dryRun=true to see what the filters select; then send those ids to remove exactly them. "
                + "If the selection changed in between, nothing is removed and the answer is 409.",
            body: .named("ContainerPruneRequest", .object([
                "dryRun": .nullable(.boolean()), "until": .nullable(.string(description: "24h, 30m, a date, or a Unix time.")),
                "label": .nullable(.array(.string(description: "key, key=value, !key or key!=value"))),
                "ids": .nullable(.array(.string(), description: "The full ids the preview listed.")),
            ])),
            responses: [.init(200, "What would be or was removed", Answer.schema)])
        ) { request, context, scope in
            let body = try await JSONBody.decode(Request.self, from: request)
            let filters = try PruneFilters(until: body.until, labels: body.label ?? [], now: AuditEntry.now() / 1000)
            if body.dryRun == true {
                let preview = try await preview(scope, filters: filters, service: service)
                return try .json(encoding: Answer(containers: preview, spaceReclaimed: preview.reduce(0) { $0 + max(0, $1.sizeRw ?? 0) }, dryRun: true))
            }
            guard let ids = body.ids else { throw FieldErrors(["ids": "Send the ids a dryRun listed, or dryRun=true first."]) }
            let (removed, reclaimed) = try await confirm(ids, filters: filters, scope: scope, context: context, service: service)
            return try .json(encoding: Answer(containers: removed, spaceReclaimed: reclaimed, dryRun: false))
        }
    }
}
