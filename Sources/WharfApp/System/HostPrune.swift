import WharfDocker
import WharfHTTP

/// One thing a host's prune would remove: a stopped container, an unused network, volume or
/// image, a build-cache record.
struct HostPruneItem: Encodable, Sendable, Equatable {
    let id: String
    let name: String
    /// Bytes it frees (a container's writable layer, a volume's data, an image's own layers).
    let size: Int64?
    let detail: String?
    /// An image's names, removed one by one (``ImagePrune/remove(_:tags:with:)``); not sent.
    var tags: [String] = []

    private enum CodingKeys: String, CodingKey { case id, name, size, detail }

    static let schema = JSONSchema.named("PruneItem", .object([
        "id": .string(description: "What to send back to remove it (an id; a volume's name)."), "name": .string(),
        "size": .nullable(.integer(description: "Bytes it frees, as the engine measured.")), "detail": .nullable(.string()),
    ], required: ["id", "name"]))
}

/// The parts of a host's prune, in the order they are removed.
enum HostPrunePart: String, CaseIterable, Sendable, Codable {
    case containers, networks, volumes, images, buildCache = "build-cache"

    var label: String {
        switch self {
        case .containers: "Stopped containers"
        case .networks: "Unused networks"
        case .volumes: "Unused volumes"
        case .images: "Unused images"
        case .buildCache: "Build cache"
        }
    }

    /// What `docker system prune` removes without options: all but volumes.
    static let standard: [HostPrunePart] = [.containers, .networks, .images, .buildCache]
}

/// One part of a preview or of what was removed.
struct HostPrunePartJSON: Encodable, Sendable {
    let part: HostPrunePart
    let items: [HostPruneItem]
    let spaceReclaimed: Int64

    init(part: HostPrunePart, items: [HostPruneItem]) {
        self.part = part
        self.items = items
        spaceReclaimed = items.reduce(0) { $0 + ($1.size ?? 0) }
    }

    static let schema = JSONSchema.named("PrunePart", .object([
        "part": .string(values: HostPrunePart.allCases.map(\.rawValue)), "items": .array(HostPruneItem.schema),
        "spaceReclaimed": .integer(description: "Bytes."),
    ], required: ["part", "items", "spaceReclaimed"]))
}

/// A host-wide prune with a preview, each part chosen: stopped containers (``ContainerPrune``),
/// unused networks (``NetworkPrune``), unused volumes (``VolumePrune``), dangling or all unused
/// images and unused build cache (``HostPruneEngine``). The confirmation removes exactly what the
/// preview listed, part by part, and nothing at all if any chosen part now selects something else.
/// What the removed containers used becomes unused then, and shows in the next preview.
struct HostPrune: Sendable {
    let containers: ContainerService
    let volumes: VolumeService
    let networks: NetworkService
    let audit: AuditLog

    struct Selection: Sendable, Equatable {
        var parts: [HostPrunePart]
        /// Images: every unused one, not only the dangling ones.
        var allImages = false
    }

    func preview(_ scope: HostScope, _ selection: Selection) async throws -> [HostPrunePartJSON] {
        var result: [HostPrunePartJSON] = []
        for part in HostPrunePart.allCases where selection.parts.contains(part) {
            result.append(HostPrunePartJSON(part: part, items: try await items(part, scope, selection)))
        }
        return result
    }

    /// Removes exactly `ids` of each chosen part. - Throws: 409 naming the part whose selection
    /// changed (nothing removed), or listing what could not be removed (the rest was).
    func confirm(
        _ scope: HostScope, _ selection: Selection, ids: [HostPrunePart: [String]], context: RequestContext
    ) async throws -> [HostPrunePartJSON] {
        var current: [HostPrunePart: [HostPruneItem]] = [:]
        for part in HostPrunePart.allCases where selection.parts.contains(part) {
            let items = try await items(part, scope, selection)
            let confirmed = ids[part] ?? []
            if items.isEmpty && confirmed.isEmpty { continue }
            do {
                try PruneSelection.check(confirmed: confirmed, current: items.map { ($0.id, $0.name) }, what: part.label.lowercased())
            } catch let error as HTTPError {
                throw HTTPError(.conflict, "\(part.label): \(error.message)")
            }
            current[part] = items
        }
        guard !current.isEmpty else { throw HTTPError(.conflict, "Nothing was selected to remove.") }
        var done: [HostPrunePartJSON] = []
        var failures: [String] = []
        let none = try PruneFilters(until: nil, labels: [], now: 0)
        for part in HostPrunePart.allCases {
            guard let items = current[part] else { continue }
            let wanted = items.map(\.id)
            do {
                switch part {
                case .containers:
                    let removed = try await ContainerPrune.confirm(wanted, filters: none, scope: scope, context: context, service: containers).removed
                    done.append(HostPrunePartJSON(part: part, items: items.filter { item in removed.contains { $0.id == item.id } }))
                case .networks:
                    let removed = try await NetworkPrune.confirm(
                        wanted, filters: try NetworkPrune.Filters(until: nil, labels: [], now: 0), scope: scope, context: context, service: networks)
                    done.append(HostPrunePartJSON(part: part, items: items.filter { item in removed.contains { $0.id == item.id } }))
                case .volumes:
                    let removed = try await VolumePrune.confirm(wanted, labels: [], scope: scope, context: context, service: volumes).removed
                    done.append(HostPrunePartJSON(part: part, items: items.filter { item in removed.contains { $0.name == item.id } }))
                case .images:
                    let outcome = try await HostPruneEngine.removeImages(items, scope: scope, context: context, audit: audit)
                    done.append(HostPrunePartJSON(part: part, items: outcome.removed))
                    failures += outcome.failures
                case .buildCache:
                    let outcome = try await HostPruneEngine.removeBuildCache(items, scope: scope, context: context, audit: audit)
                    done.append(HostPrunePartJSON(part: part, items: outcome.removed))
                    failures += outcome.failures
                }
            } catch let error as any PublicError {
                failures.append("\(part.label): \(error.publicMessage)")
            }
        }
        if !failures.isEmpty {
            let removed = done.reduce(0) { $0 + $1.items.count }
            throw HTTPError(.conflict, "Removed \(removed); not removed: \(failures.joined(separator: "; "))")
        }
        return done
    }

    private func items(_ part: HostPrunePart, _ scope: HostScope, _ selection: Selection) async throws -> [HostPruneItem] {
        switch part {
        case .containers:
            let none = try PruneFilters(until: nil, labels: [], now: 0)
            return try await ContainerPrune.preview(scope, filters: none, service: containers).map { container in
                HostPruneItem(id: container.id, name: container.name, size: container.sizeRw.map { max(0, $0) }, detail: container.status)
            }
        case .networks:
            let none = try NetworkPrune.Filters(until: nil, labels: [], now: 0)
            return try await NetworkPrune.preview(scope, filters: none, service: networks).map { network in
                HostPruneItem(id: network.id, name: network.name, size: nil, detail: network.driver)
            }
        case .volumes:
            return try await VolumePrune.preview(scope, labels: [], service: volumes).map { volume in
                HostPruneItem(id: volume.name, name: volume.name, size: volume.size, detail: volume.driver)
            }
        case .images: return try await HostPruneEngine.images(scope, all: selection.allImages)
        case .buildCache: return try await HostPruneEngine.buildCache(scope)
        }
    }
}
