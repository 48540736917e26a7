import WharfDocker
import WharfHTTP

/// Removing unused volumes in two steps: a preview lists exactly the volumes no container mounts
/// (selected by label: `key`, `key=value`, `!key`, `key!=value`) with their sizes, and only that
/// confirmed list is removed, and only if it is still what the labels select
/// (``PruneSelection``). The engine's own prune is not used: it would also remove a volume that
/// became unused after the preview.
enum VolumePrune {
    /// The unused volumes `labels` select, with their sizes.
    static func preview(_ scope: HostScope, labels: [String], service: VolumeService) async throws -> [VolumeJSON] {
        var query = VolumeQuery()
        query.size = true
        return try await service.list(scope, query).volumes.filter { $0.refCount == 0 && LabelSelector.all(labels, match: $0.labels) }
    }

    /// Removes exactly `names` if they are still the preview; audited once as `volume.prune`
    /// with what was removed. - Throws: 409 when the selection changed (nothing is removed), or
    /// when some could not be removed (the others are).
    static func confirm(
        _ names: [String], labels: [String], scope: HostScope, context: RequestContext, service: VolumeService
    ) async throws -> (removed: [VolumeJSON], reclaimed: Int64) {
        let current = try await preview(scope, labels: labels, service: service)
        try PruneSelection.check(confirmed: names, current: current.map { ($0.name, $0.name) }, what: "volumes")
        let removed = try await PruneSelection.removeEach(
            current, action: "volume.prune", noun: "volumes", name: \.name,
            parameters: { removed in
                var parameters = ["reclaimed": String(removed.reduce(0) { $0 + max(0, $1.size ?? 0) })]
                if !labels.isEmpty { parameters["label"] = labels.joined(separator: " ") }
                return parameters
            },
            scope: scope, context: context, audit: service.audit
        ) { volume in try await scope.engine(subject: volume.name) { client in try await client.removeVolume(volume.name) } }.removed
        let reclaimed = removed.reduce(0) { $0 + max(0, $1.size ?? 0) }
        return (removed, reclaimed)
    }

    /// `POST …/prune/volumes`: `dryRun` first, then the names it listed.
    struct Request: Decodable {
        var dryRun: Bool?
        var label: [String]?
        var names: [String]?

        static let schema = JSONSchema.named("VolumePruneRequest", .object([
            "dryRun": .nullable(.boolean()),
            "label": .nullable(.array(.string(description: "key, key=value, !key or key!=value"))),
            "names": .nullable(.array(.string(), description: "The names the preview listed.")),
        ]))
    }

    struct Answer: Encodable {
        let volumes: [VolumeJSON]
        let spaceReclaimed: Int64
        let dryRun: Bool

        static let schema = JSONSchema.named("VolumePrune", .object([
            "volumes": .array(VolumeJSON.schema, description: "What would be removed (dryRun) or was removed."),
            "spaceReclaimed": .integer(description: "Bytes, as system/df measured the volumes."),
            "dryRun": .boolean(),
        ], required: ["volumes", "spaceReclaimed", "dryRun"]))
    }
}
