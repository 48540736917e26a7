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

    /// Removes exactly `ids` if they are still what `selection` selects (`image.prune`): each name
    /// of a tagged image, then the image. - Throws: 409 naming what changed since the preview.
    static func confirm(
        _ ids: [String], _ selection: Selection, scope: HostScope, context: RequestContext, service: ImageService
    ) async throws -> (removed: [ImageJSON], reclaimed: Int64) {
        let current = try await preview(scope, selection, service: service)
        let wanted = Set(ids)
        let now = Set(current.map(\.id))
        guard !wanted.isEmpty, wanted == now else {
            let changed = current.filter { !wanted.contains($0.id) }.map { $0.tags.first ?? $0.shortId } + ids.filter { !now.contains($0) }.map(ImageJSON.shortID)
            throw HTTPError(
                .conflict,
                wanted.isEmpty ? "Nothing was selected to remove."
                    : "What would be removed changed since the preview (\(changed.joined(separator: ", "))): review the list again.")
        }
        var removed: [ImageJSON] = []
        var failures: [String] = []
        for image in current {
            do {
                try await scope.engine(subject: image.tags.first ?? image.shortId) { client in
                    for tag in image.tags { _ = try await client.removeImage(tag) }
                    if image.tags.isEmpty { _ = try await client.removeImage(image.id) }
                }
                removed.append(image)
            } catch let error as any PublicError {
                failures.append("\(image.tags.first ?? image.shortId): \(error.publicMessage)")
            }
        }
        let reclaimed = removed.reduce(0) { $0 + max(0, $1.size) }
        var parameters = ["mode": selection.mode, "removed": removed.map { "\($0.tags.first ?? "<none>") (\($0.shortId))" }.joined(separator: ", ")]
        if !selection.filters.untilText.isEmpty { parameters["until"] = selection.filters.untilText }
        if !selection.filters.labels.isEmpty { parameters["label"] = selection.filters.labels.joined(separator: " ") }
        try await scope.record(
            "image.prune", target: "\(removed.count) images", parameters: parameters, context: context, audit: service.audit,
            status: failures.isEmpty ? .ok : .conflict, error: failures.isEmpty ? nil : failures.joined(separator: "; "))
        if !failures.isEmpty {
            throw HTTPError(.conflict, "Removed \(removed.count) of \(current.count); not removed: \(failures.joined(separator: "; "))")
        }
        return (removed, reclaimed)
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
