import FoundationEssentials
import WharfDocker
import WharfHTTP

/// The image and build-cache parts of a host's prune, through the engine directly (images are
/// removed as the images page's prune removes them). Images come from `system/df` (which counts each image's containers and its shared bytes);
/// build-cache records too.
enum HostPruneEngine {
    /// Unused images: dangling ones (no tag), or with `all` every image no container uses.
    static func images(_ scope: HostScope, all: Bool) async throws -> [HostPruneItem] {
        let usage = try await scope.engine { client in try await DiskUsage.read(client) }
        return (usage.images ?? []).filter { image in
            let tags = (image.repoTags ?? []).filter { $0 != "<none>:<none>" }
            return (image.containers ?? 0) == 0 && (all || tags.isEmpty)
        }.map { image in
            let tags = (image.repoTags ?? []).filter { $0 != "<none>:<none>" }
            return HostPruneItem(
                id: image.id, name: tags.first ?? "<none> (\(image.id.replacing("sha256:", with: "").prefix(12)))",
                size: max(0, image.size - max(0, image.sharedSize ?? 0)),
                detail: tags.count > 1 ? tags.dropFirst().joined(separator: ", ") : nil, tags: tags)
        }.sorted { $0.name < $1.name }
    }

    /// Build-cache records not in use.
    static func buildCache(_ scope: HostScope) async throws -> [HostPruneItem] {
        let usage = try await scope.engine { client in try await DiskUsage.read(client) }
        return (usage.buildCache ?? []).filter { $0.inUse != true }.map { record in
            HostPruneItem(
                id: record.id, name: record.description.flatMap { $0.isEmpty ? nil : String($0.prefix(120)) } ?? record.id,
                size: record.size.map { max(0, $0) }, detail: [record.type, record.shared == true ? "shared" : nil].compactMap { $0 }.joined(separator: ", "))
        }.sorted { $0.id < $1.id }
    }

    /// Removes each image as the images page's prune does (name by name, never by force);
    /// audited as `image.prune`.
    static func removeImages(_ items: [HostPruneItem], scope: HostScope, context: RequestContext, audit: AuditLog) async throws -> (removed: [HostPruneItem], failures: [String]) {
        try await PruneSelection.removeEach(
            items, action: "image.prune", noun: "images", name: \.name, parameters: reclaimed, throwing: false,
            scope: scope, context: context, audit: audit
        ) { item in try await scope.engine(subject: item.name) { client in try await ImagePrune.remove(item.id, tags: item.tags, with: client) } }
    }

    /// Removes each build-cache record (`POST /build/prune` with its id; `all`, so any type);
    /// audited as `buildcache.prune`.
    static func removeBuildCache(_ items: [HostPruneItem], scope: HostScope, context: RequestContext, audit: AuditLog) async throws -> (removed: [HostPruneItem], failures: [String]) {
        try await PruneSelection.removeEach(
            items, action: "buildcache.prune", noun: "cache records", name: \.id, parameters: reclaimed, throwing: false,
            scope: scope, context: context, audit: audit
        ) { item in
            try await scope.engine(subject: item.id) { client in
                var query = DockerQuery()
                query.add("all", true)
                query.add("filters", ["id": item.id] as DockerFilters)
                var request = DockerRequest("POST", DockerPath("build", "prune"), query: query)
                request.responseHeadTimeout = .unlimited
                _ = try await client.send(request).body.collect(upTo: 4 * 1024 * 1024)
            }
        }
    }

    private static func reclaimed(_ removed: [HostPruneItem]) -> [String: String] {
        ["reclaimed": String(removed.reduce(0) { $0 + ($1.size ?? 0) })]
    }
}
