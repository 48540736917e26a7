import WharfDocker
import WharfHTTP
import WharfTemplates

/// The network pages of a host: the list (filters), create, one network (subnets, containers
/// attached, connect and disconnect, remove) and prune with a preview.
struct NetworkRoutes {
    let pages: Pages
    let service: NetworkService
    let flash: FlashSigner
    let time: TimeSource

    func register(into router: inout AppRouter) {
        router.hostPage(.get, "/networks", permission: .hostView) { request, context, scope in
            let query = try NetworkQuery(request)
            let networks = try await service.list(scope, query)
            return try page("networks/index", "Networks", scope, context, values: [
                "networks": .list(networks.map { NetworkViews.row($0, now: time.now()) }),
                "count": .int(networks.count),
                "filters": NetworkViews.filterValues(query),
            ])
        }
        router.hostPage(.get, "/networks/new", permission: .hostOperate) { _, context, scope in
            try createPage(scope, context, form: NetworkForm(), errors: [:])
        }
        router.hostPage(.post, "/networks", permission: .hostOperate) { request, context, scope in
            let input = NetworkForm(try await Form.read(request))
            do {
                let created = try await service.create(try input.checked(), on: scope, context: context)
                let note = created.warning.map { " The engine warned: \($0)" } ?? ""
                return flash.redirect(
                    to: "/hosts/\(scope.host.id)/networks/\(created.id)", .notice("Network \(input.values["name"] ?? "") created.\(note)"),
                    context: context)
            } catch let error as FieldErrors {
                return try createPage(scope, context, form: input, errors: error.fieldErrors, status: .unprocessableContent)
            } catch let error as NetworkMessages {
                return try createPage(scope, context, form: input, errors: [error.field ?? "name": error.publicMessage], status: error.status)
            } catch let error as EngineError where error.status.code < 500 {
                return try createPage(scope, context, form: input, errors: ["name": error.publicMessage], status: error.status)
            }
        }
        router.hostPage(.get, "/prune/networks", permission: .hostOperate) { request, context, scope in
            let filters = try NetworkPrune.Filters(
                until: request.queryValue("until"), labels: request.queryItems.filter { $0.name == "label" }.map(\.value),
                now: time.now() / 1000)
            let preview = try await NetworkPrune.preview(scope, filters: filters, service: service)
            return try page("networks/prune", "Remove unused networks", scope, context, values: [
                "networks": .list(preview.map { NetworkViews.row($0, now: time.now()) }),
                "count": .int(preview.count),
                "countText": .text(CountText.of(preview.count, "network")),
                "until": .text(filters.untilText),
                "labels": .list(filters.labels.map { .text($0) }),
                "labelText": .text(filters.labels.first ?? ""),
            ])
        }
        router.hostAction("/prune/networks", permission: .hostOperate, maxBodyBytes: 1024 * 1024, fallback: { "/hosts/\($0.host.id)/prune/networks" }) { request, context, scope in
            let form = try await Form.read(request, limit: 1024 * 1024)
            let filters = try NetworkPrune.Filters(
                until: form["until"], labels: form.pairs.filter { $0.name == "label" }.map(\.value), now: time.now() / 1000)
            let removed = try await NetworkPrune.confirm(
                form.pairs.filter { $0.name == "id" }.map(\.value), filters: filters, scope: scope, context: context, service: service)
            return flash.redirect(
                to: "/hosts/\(scope.host.id)/networks",
                .notice("Removed \(CountText.of(removed.count, "unused network"))."), context: context)
        }
        router.hostPage(.get, "/networks/:id", permission: .hostView) { _, context, scope in
            let (network, raw) = try await service.detail(context.parameters["id"] ?? "", on: scope)
            // The containers that could join, for the connect form; a host that cannot list them
            // still shows the network (the name is typed then).
            let attached = Set(network.containers.map(\.id))
            let candidates = scope.canOperate
                ? ((try? await scope.engine { client in try await client.listContainers(all: true) }) ?? []).filter { !attached.contains($0.id) }
                : []
            return try page("networks/show", network.name, scope, context, values: [
                "network": NetworkViews.row(network, now: time.now()),
                "candidates": .list(candidates.map { container in
                    (container.names.first.map(ContainerService.name) ?? String(container.id.prefix(12)), container.state)
                }.sorted { $0.0 < $1.0 }.map { name, state in .object(["name": .text(name), "state": .text(state)]) }),
                "json": .text(VolumeRoutes.pretty(raw)),
            ])
        }
        router.hostAction("/networks/:id/remove", permission: .hostOperate, fallback: { "/hosts/\($0.host.id)/networks" }) { request, context, scope in
            let form = try await Form.read(request)
            let reference = context.parameters["id"] ?? ""
            if form["confirm"] != "1" {
                let network = try await service.resolve(reference, on: scope)
                return try ConfirmPage(
                    title: "Remove network \(network.name)?", crumbs: [("Networks", "/hosts/\(scope.host.id)/networks")], names: [network.name],
                    fields: form.pairs, hint: "Containers attached to it must be disconnected first; the engine refuses otherwise.",
                    button: "Remove", target: "/hosts/\(scope.host.id)/networks/\(network.id)/remove",
                    back: "/hosts/\(scope.host.id)/networks/\(network.id)"
                ).render(pages, host: scope.host, context: context)
            }
            let network = try await service.remove(reference, on: scope, context: context)
            return flash.redirect(to: "/hosts/\(scope.host.id)/networks", .notice("Network \(network.name) removed."), context: context)
        }
        router.hostAction("/networks/:id/connect", permission: .hostOperate, fallback: { "/hosts/\($0.host.id)/networks" }) { request, context, scope in
            let (container, options) = try NetworkConnectInput(try await Form.read(request)).check()
            let network = try await service.connect(context.parameters["id"] ?? "", container: container, options: options, on: scope, context: context)
            return flash.redirectBack(
                request, fallback: "/hosts/\(scope.host.id)/networks/\(network.id)",
                .notice("\(container) connected to \(network.name)."), context: context)
        }
        router.hostAction("/networks/:id/disconnect", permission: .hostOperate, fallback: { "/hosts/\($0.host.id)/networks" }) { request, context, scope in
            let form = try await Form.read(request)
            let container = form.text("container")
            guard !container.isEmpty else { throw FieldErrors(["container": "Choose the container to disconnect."]) }
            let force = (try? EngineFilterQuery.flag("force", form["force"] ?? "0")) ?? false
            let network = try await service.disconnect(context.parameters["id"] ?? "", container: container, force: force, on: scope, context: context)
            return flash.redirectBack(
                request, fallback: "/hosts/\(scope.host.id)/networks/\(network.id)",
                .notice("\(container) disconnected from \(network.name)."), context: context)
        }
    }

    func page(_ template: String, _ title: String, _ scope: HostScope, _ context: RequestContext, status: HTTPStatus = .ok, values: [String: TemplateValue]) throws -> HTTPResponse {
        try pages.renderHost(template, title: title, scope: scope, current: "networks", context: context, status: status, values: values)
    }

    func createPage(_ scope: HostScope, _ context: RequestContext, form: NetworkForm, errors: [String: String], status: HTTPStatus = .ok) throws -> HTTPResponse {
        try page("networks/new", "New network", scope, context, status: status, values: [
            "form": .object(NetworkForm.fields.reduce(into: [:]) { object, field in
                object[field] = .object(["value": .text(form.values[field] ?? ""), "error": errors[field].map { .text($0) } ?? .null])
            }),
            "checks": .object(["internal": .bool(form.flag("internal")), "attachable": .bool(form.flag("attachable")), "ipv6": .bool(form.flag("ipv6"))]),
            "drivers": .list(["bridge", "null", "macvlan", "ipvlan", "overlay"].map { .text($0) }),
            "hasErrors": .bool(!errors.isEmpty),
        ])
    }
}
