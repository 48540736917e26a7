import WharfDocker
import WharfHTTP
import WharfTemplates

/// A host's system page (`/hosts/:host/system`) and its API twin: engine and API versions, the
/// machine (`info`), disk use with reclaimable sizes (`system/df`), links to the host's other
/// pages; and the host-wide prune with a preview (`HostPruneRoutes`).
struct HostSystemRoutes {
    let pages: Pages
    let prune: HostPrune
    let flash: FlashSigner

    static func overview(_ scope: HostScope) async throws -> HostSystemJSON {
        let (info, raw, version, usage) = try await scope.engine { client in
            async let document = client.infoDocument()
            async let version = client.version()
            async let usage = DiskUsage.read(client)
            let (info, raw) = try await document
            return (info, raw, try await version, try await usage)
        }
        return HostSystemJSON(host: scope.host, info: info, raw: raw, version: version, usage: usage)
    }

    func register(into router: inout AppRouter) {
        router.hostPage(.get, "/system", permission: .hostView) { _, context, scope in
            let system = try await Self.overview(scope)
            return try pages.renderHost("system/show", title: "System", scope: scope, current: "system", context: context, values: [
                "system": HostSystemViews.value(system),
            ])
        }
        router.hostAPI(.get, "/system", permission: .hostView, operation: APIOperation(
            id: "getHostSystem", summary: "A host's engine, machine and disk use (docker info, version and system df)", tag: "system",
            responses: [.init(200, "The host's system", HostSystemJSON.schema)])
        ) { _, _, scope in
            try .json(encoding: try await Self.overview(scope))
        }
        HostPruneRoutes(pages: pages, prune: prune, flash: flash).register(into: &router)
    }
}
