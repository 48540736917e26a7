import WharfHTTP
import WharfTemplates

/// `/hosts/:host/prune` and `POST /api/v1/hosts/:host/prune`: a host-wide prune,
/// each part chosen, previewed first (``HostPrune``).
struct HostPruneRoutes {
    let pages: Pages
    let prune: HostPrune
    let flash: FlashSigner

    struct Request: Decodable {
        var dryRun: Bool?
        var parts: [HostPrunePart]?
        var allImages: Bool?
        /// Part → the ids its preview listed.
        var ids: [String: [String]]?

        static let schema = JSONSchema.named("HostPruneRequest", .object([
            "dryRun": .nullable(.boolean()),
            "parts": .nullable(.array(.string(values: HostPrunePart.allCases.map(\.rawValue)),
                description: "Which parts; containers, networks, images and build-cache by default (as docker system prune).")),
            "allImages": .nullable(.boolean(description: "Every unused image, not only dangling ones.")),
            "ids": .nullable(.map(.array(.string()), description: "Per part, the ids the preview listed.")),
        ]))
    }

    struct Answer: Encodable {
        let parts: [HostPrunePartJSON]
        let spaceReclaimed: Int64
        let dryRun: Bool

        static let schema = JSONSchema.named("HostPrune", .object([
            "parts": .array(HostPrunePartJSON.schema), "spaceReclaimed": .integer(description: "Bytes, all parts."),
            "dryRun": .boolean(),
        ], required: ["parts", "spaceReclaimed", "dryRun"]))

        init(_ parts: [HostPrunePartJSON], dryRun: Bool) {
            self.parts = parts
            spaceReclaimed = parts.reduce(0) { $0 + $1.spaceReclaimed }
            self.dryRun = dryRun
        }
    }

    /// The parts named in a query or form (`part=volumes`, repeatable); the standard ones when none.
    static func selection(_ pairs: [(name: String, value: String)]) throws -> HostPrune.Selection {
        var parts: [HostPrunePart] = []
        for pair in pairs where pair.name == "part" {
            guard let part = HostPrunePart(rawValue: pair.value) else {
                throw HTTPError(.badRequest, "part must be one of \(HostPrunePart.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            if !parts.contains(part) { parts.append(part) }
        }
        let all = pairs.first { $0.name == "all_images" }.map { ["1", "true", "on"].contains($0.value) } ?? false
        return HostPrune.Selection(parts: parts.isEmpty ? HostPrunePart.standard : parts, allImages: all)
    }

    func register(into router: inout AppRouter) {
        let prune = self.prune
        router.hostPage(.get, "/prune", permission: .hostOperate) { request, context, scope in
            let selection = try Self.selection(request.queryItems)
            let preview = try await prune.preview(scope, selection)
            let total = preview.reduce(0) { $0 + $1.items.count }
            return try pages.renderHost("system/prune", title: "Prune", scope: scope, current: "system", context: context, values: [
                "choices": .list(HostPrunePart.allCases.map { part in
                    .object(["name": .text(part.rawValue), "label": .text(part.label), "checked": .bool(selection.parts.contains(part))])
                }),
                "allImages": .bool(selection.allImages),
                "parts": .list(preview.map(HostSystemViews.part)),
                "count": .int(total),
                "countText": .text(CountText.of(total, "item")),
                "reclaimable": .text(ByteText.format(preview.reduce(0) { $0 + $1.spaceReclaimed })),
            ])
        }
        router.hostAction("/prune", permission: .hostOperate, maxBodyBytes: 4 * 1024 * 1024, fallback: { "/hosts/\($0.host.id)/prune" }) { request, context, scope in
            let form = try await Form.read(request, limit: 4 * 1024 * 1024)
            let selection = try Self.selection(form.pairs)
            var ids: [HostPrunePart: [String]] = [:]
            for part in selection.parts { ids[part] = form.pairs.filter { $0.name == part.rawValue }.map(\.value) }
            let done = try await prune.confirm(scope, selection, ids: ids, context: context)
            let summary = done.map { "\($0.items.count) \($0.part.label.lowercased())" }.joined(separator: ", ")
            return flash.redirect(
                to: "/hosts/\(scope.host.id)/system",
                .notice("Removed \(summary); \(ByteText.format(done.reduce(0) { $0 + $1.spaceReclaimed })) reclaimed."), context: context)
        }
        router.hostAPI(.post, "/prune", permission: .hostOperate, maxBodyBytes: 4 * 1024 * 1024, operation: APIOperation(
            id: "pruneHost", summary: "Preview (dryRun) or remove what a host does not use, part by part", tag: "system",
            description: "First call with dryRun=true and the parts wanted; then send the ids each part listed. If any part now "
                + "selects something else, nothing is removed and the answer is 409.",
            body: Request.schema, responses: [.init(200, "What would be or was removed", Answer.schema)])
        ) { request, context, scope in
            let body = try await JSONBody.decode(Request.self, from: request, limit: 4 * 1024 * 1024)
            let selection = HostPrune.Selection(parts: body.parts.flatMap { $0.isEmpty ? nil : $0 } ?? HostPrunePart.standard, allImages: body.allImages ?? false)
            if body.dryRun == true { return try .json(encoding: Answer(try await prune.preview(scope, selection), dryRun: true)) }
            guard let raw = body.ids else { throw FieldErrors(["ids": "Send the ids a dryRun listed, per part, or dryRun=true first."]) }
            var ids: [HostPrunePart: [String]] = [:]
            for (name, values) in raw {
                guard let part = HostPrunePart(rawValue: name) else {
                    throw FieldErrors(["ids": "\(name) is not a part; use \(HostPrunePart.allCases.map(\.rawValue).joined(separator: ", "))."])
                }
                ids[part] = values
            }
            return try .json(encoding: Answer(try await prune.confirm(scope, selection, ids: ids, context: context), dryRun: false))
        }
    }
}
