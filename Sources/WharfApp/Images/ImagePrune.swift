import WharfDocker
import WharfHTTP
import WharfWire

/// Removing images nobody uses, in two steps like containers: a preview lists exactly what
/// would go (dangling images only, or every image no container uses; with `until` and `label`
/// filters), and only that confirmed selection is removed, and only if it is still what the
/// filters select. The engine's own prune is not used: it would also remove what became unused
/// after the preview.
enum ImagePrune {
    /// `dangling` (untagged only, the default) or `unused` (any image no container uses).
    static let modes = ["dangling", "unused"]

    struct Selection: Sendable, Equatable {
        var unused = false
        var filters: PruneFilters

        /// - Throws: 422 naming the field.
        init(mode: String?, until: String?, labels: [String], now: Int64) throws {
            let mode = mode.flatMap { $0.isEmpty ? nil : $0 } ?? "dangling"
            guard Self.valid(mode) else { throw FieldErrors(["mode": "Choose dangling (untagged images) or unused (every image no container uses)."]) }
            unused = mode == "unused"
            filters = try PruneFilters(until: until, labels: labels, now: now)
        }

        static func valid(_ mode: String) -> Bool { ImagePrune.modes.contains(mode) }
        var mode: String { unused ? "unused" : "dangling" }
    }

    /// The images `selection` selects, with their sizes.
    static func preview(_ scope: HostScope, _ selection: Selection, service: ImageService) async throws -> [ImageJSON] {
        try await service.list(scope, ImageQuery()).filter { image in
            image.containers == 0 && (selection.unused || image.dangling) && selection.filters.matches(created: image.created, labels: image.labels)
        }
    }

    /// Removes exactly `ids` if they are still what `selection` selects (``PruneSelection``;
    /// audited once as `image.prune`), each with ``remove(_:tags:with:)``. - Throws: 409 when the
    /// selection changed since the preview (nothing is removed), or when some could not be removed.
    static func confirm(
        _ ids: [String], _ selection: Selection, scope: HostScope, context: RequestContext, service: ImageService
    ) async throws -> (removed: [ImageJSON], reclaimed: Int64) {
        let current = try await preview(scope, selection, service: service)
        try PruneSelection.check(confirmed: ids, current: current.map { ($0.id, $0.tags.first ?? $0.shortId) }, what: "images")
        let removed = try await PruneSelection.removeEach(
            current, action: "image.prune", noun: "images", name: { "\($0.tags.first ?? "<none>") (\($0.shortId))" },
            parameters: { _ in selection.filters.auditParameters.merging(["mode": selection.mode]) { $1 } },
            scope: scope, context: context, audit: service.audit
        ) { image in
            try await scope.engine(subject: image.tags.first ?? image.shortId) { client in try await remove(image.id, tags: image.tags, with: client) }
        }.removed
        return (removed, removed.reduce(0) { $0 + max(0, $1.size) })
    }

    /// Removes an image no container uses, never by force: each of its names, then (untagged)
    /// the image itself. Should a container take it up meanwhile, the engine refuses the last
    /// step instead of removing an image in use.
    static func remove(_ id: String, tags: [String], with client: DockerClient) async throws {
        for tag in tags { _ = try await client.removeImage(tag) }
        if tags.isEmpty { _ = try await client.removeImage(id) }
    }

    struct Request: Decodable {
        var dryRun: Bool?
        var mode: String?
        var until: String?
        var label: [String]?
        var ids: [String]?

        static let schema = JSONSchema.named("ImagePruneRequest", .object([
            "dryRun": .nullable(.boolean()),
            "mode": .nullable(.string(description: "dangling (default): untagged images; unused: every image no container uses.")),
            "until": .nullable(.string(description: "24h, 30m, a date, or a Unix time.")),
            "label": .nullable(.array(.string(description: "key, key=value, !key or key!=value"))),
            "ids": .nullable(.array(.string(), description: "The ids the preview listed.")),
        ]))
    }

    struct Answer: Encodable {
        let images: [ImageJSON]
        let spaceReclaimed: Int64
        let dryRun: Bool

        static let schema = JSONSchema.named("ImagePrune", .object([
            "images": .array(ImageJSON.schema, description: "What would be removed (dryRun) or was removed."),
            "spaceReclaimed": .integer(description: "Bytes of the images, shared layers included."),
            "dryRun": .boolean(),
        ], required: ["images", "spaceReclaimed", "dryRun"]))
    }
}
