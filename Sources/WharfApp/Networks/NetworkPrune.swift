import WharfDocker
import WharfHTTP
import WharfWire

/// Removing unused networks in two steps: a preview lists exactly the networks no container is
/// attached to (never bridge, host or none), selected by label and creation time, and only that
/// confirmed list is removed, and only if it is still what the filters select (``PruneSelection``).
enum NetworkPrune {
    struct Filters: Sendable {
        var labels: [String] = []
        /// Created before this Unix time (seconds); nil for any time.
        var before: Int64?
        var untilText = ""

        /// - Throws: 422 naming `until` when it is not a duration, date or Unix time.
        init(until: String?, labels: [String], now: Int64) throws {
            untilText = String(until?.trimmingASCIISpaces() ?? "")
            if !untilText.isEmpty {
                guard let cutoff = PruneFilters.cutoff(untilText, now: now) else {
                    throw FieldErrors(["until": "Give a duration like 24h or 30m, a date like 2026-11-24, or a Unix time."])
                }
                before = cutoff
            }
            self.labels = labels.map { String($0.trimmingASCIISpaces()) }.filter { !$0.isEmpty }
        }

        func matches(_ network: NetworkJSON) -> Bool {
            guard !network.predefined, network.containers.isEmpty, LabelSelector.all(labels, match: network.labels) else { return false }
            guard let before else { return true }
            guard let created = network.createdAt.flatMap({ AuditTime.parse(String($0.prefix(19))) }) else { return false }
            return created.milliseconds / 1000 < before
        }
    }

    static func preview(_ scope: HostScope, filters: Filters, service: NetworkService) async throws -> [NetworkJSON] {
        try await service.list(scope, NetworkQuery()).filter(filters.matches)
    }

    /// Removes exactly `ids` if they are still the preview; audited once as `network.prune`.
    static func confirm(
        _ ids: [String], filters: Filters, scope: HostScope, context: RequestContext, service: NetworkService
    ) async throws -> [NetworkJSON] {
        let current = try await preview(scope, filters: filters, service: service)
        try PruneSelection.check(confirmed: ids, current: current.map { ($0.id, $0.name) }, what: "networks")
        let removed = try await PruneSelection.removeEach(
            current, action: "network.prune", noun: "networks", name: { "\($0.name) (\($0.shortId))" },
            parameters: { _ in
                var parameters: [String: String] = [:]
                if !filters.labels.isEmpty { parameters["label"] = filters.labels.joined(separator: " ") }
                if !filters.untilText.isEmpty { parameters["until"] = filters.untilText }
                return parameters
            },
            scope: scope, context: context, audit: service.audit
        ) { network in try await scope.engine(subject: network.name) { client in try await client.removeNetwork(network.id) } }.removed
        return removed
    }

    struct Request: Decodable {
        var dryRun: Bool?
        var until: String?
        var label: [String]?
        var ids: [String]?

        static let schema = JSONSchema.named("NetworkPruneRequest", .object([
            "dryRun": .nullable(.boolean()), "until": .nullable(.string(description: "24h, 30m, a date, or a Unix time.")),
            "label": .nullable(.array(.string(description: "key, key=value, !key or key!=value"))),
            "ids": .nullable(.array(.string(), description: "The full ids the preview listed.")),
        ]))
    }

    struct Answer: Encodable {
        let networks: [NetworkJSON]
        let dryRun: Bool

        static let schema = JSONSchema.named("NetworkPrune", .object([
            "networks": .array(NetworkJSON.schema, description: "What would be removed (dryRun) or was removed."), "dryRun": .boolean(),
        ], required: ["networks", "dryRun"]))
    }
}
