import WharfDocker
import WharfHTTP
import WharfTemplates

/// The container pages of a host: the list (filters, sorting, bulk actions), create, prune with a
/// preview, and (in `ContainerRoutes+Detail`) one container's pages and actions.
struct ContainerRoutes {
    let pages: Pages
    let service: ContainerService
    let logs: ContainerLogs
    let stats: ContainerStatsFollowers
    let flash: FlashSigner
    let time: TimeSource

    /// Actions that remove or kill: the server asks for a confirmation page unless `confirm=1`
    /// came with the form (the script adds it after the browser's own dialog).
    static let destructive: Set<String> = ["remove", "kill"]
    static let bulkActions = ["start", "stop", "restart", "pause", "unpause", "kill", "remove"]

    func register(into router: inout AppRouter) {
        router.hostPage(.get, "/containers", permission: .hostView) { request, context, scope in
            let query = try ContainerQuery(request)
            let containers = try await service.list(scope, query)
            return try pages.render("containers/index", title: "Containers · \(scope.host.name)", context: context, section: "hosts", values: [
                "host": Self.hostValue(scope),
                "nav": HostNav.value(scope.host, current: "containers"),
                "containers": .list(containers.map { ContainerViews.row($0, now: time.now(), canOperate: scope.canOperate) }),
                "count": .int(containers.count),
                "filters": ContainerViews.filterValues(query),
                "sort": ContainerViews.sortLinks(query, base: "/hosts/\(scope.host.id)/containers"),
                "bulkActions": .list(Self.bulkActions.map { .text($0) }),
                "selectable": .bool(scope.canOperate),
                "showHost": false,
            ])
        }
        router.hostPage(.get, "/containers/new", permission: .hostOperate) { _, context, scope in
            try await createPage(scope, context, form: ContainerForm(), errors: [:])
        }
        router.hostPage(.post, "/containers", permission: .hostOperate, maxBodyBytes: 256 * 1024) { request, context, scope in
            let form = try await Form.read(request)
            let input = ContainerForm(form)
            do {
                let checked = try input.checked()
                try await ContainerPolicy.checkBinds(checked, scope: scope, context: context, audit: service.audit)
                let created = try await service.create(checked, on: scope, context: context)
                let note = created.warnings.isEmpty ? "" : " The engine warned: " + created.warnings.joined(separator: " ")
                return flash.redirect(
                    to: "/hosts/\(scope.host.id)/containers/\(created.id)",
                    .notice("Container \(checked.name ?? String(created.id.prefix(12))) created\(checked.start ? " and started" : "").\(note)"),
                    context: context)
            } catch let error as FieldErrors {
                return try await createPage(scope, context, form: input, errors: error.fieldErrors, status: .unprocessableContent)
            } catch let error as EngineError where error.status == .notFound || error.status == .badRequest || error.status == .conflict {
                let field = error.publicMessage.lowercased().contains("image") ? "image"
                    : error.publicMessage.lowercased().contains("network") ? "network"
                    : error.status == .conflict ? "name" : "image"
                return try await createPage(scope, context, form: input, errors: [field: error.publicMessage], status: error.status)
            }
        }
        router.hostPage(.get, "/prune/containers", permission: .hostOperate) { request, context, scope in
            let filters = try PruneFilters(
                until: request.queryValue("until"), labels: request.queryItems.filter { $0.name == "label" }.map(\.value),
                now: time.now() / 1000)
            let preview = try await ContainerPrune.preview(scope, filters: filters, service: service)
            return try prunePage(scope, context, filters: filters, preview: preview)
        }
        router.hostAction("/prune/containers", permission: .hostOperate, fallback: { "/hosts/\($0.host.id)/prune/containers" }) { request, context, scope in
            let form = try await Form.read(request, limit: 1024 * 1024)
            let filters = try PruneFilters(
                until: form["until"], labels: form.pairs.filter { $0.name == "label" }.map(\.value), now: time.now() / 1000)
            let ids = form.pairs.filter { $0.name == "id" }.map(\.value)
            let (removed, reclaimed) = try await ContainerPrune.confirm(ids, filters: filters, scope: scope, context: context, service: service)
            return flash.redirect(
                to: "/hosts/\(scope.host.id)/containers?all=1",
                .notice("Removed \(removed.count) stopped container\(removed.count == 1 ? "" : "s"), \(ByteText.format(reclaimed)) reclaimed."),
                context: context)
        }
        router.hostAction("/containers/bulk", permission: .hostOperate, maxBodyBytes: 1024 * 1024, fallback: { "/hosts/\($0.host.id)/containers" }) { request, context, scope in
            try await bulk(request, context, scope)
        }
        registerDetail(into: &router)
    }

    /// One action on every selected container; destructive ones are confirmed on a page first.
    private func bulk(_ request: HTTPRequest, _ context: RequestContext, _ scope: HostScope) async throws -> HTTPResponse {
        let form = try await Form.read(request, limit: 1024 * 1024)
        let name = form.text("action")
        guard Self.bulkActions.contains(name) else { throw HTTPError(.unprocessableContent, "Choose an action for the selected containers.") }
        let ids = form.pairs.filter { $0.name == "id" }.map(\.value)
        guard !ids.isEmpty else { throw HTTPError(.unprocessableContent, "Select at least one container first.") }
        let action = try ContainerAction.parse(name) { form[$0] }
        if Self.destructive.contains(name), form["confirm"] != "1" {
            var names: [TemplateValue] = []
            for id in ids { names.append(.text((try? await service.resolve(id, on: scope).name) ?? String(id.prefix(12)))) }
            return try confirmPage(scope, context, action: name, names: names, fields: form.pairs.filter { $0.name != "csrf" && $0.name != "confirm" },
                                   target: "/hosts/\(scope.host.id)/containers/bulk", back: "/hosts/\(scope.host.id)/containers")
        }
        var done: [String] = []
        var failed: [String] = []
        for id in ids {
            do {
                done.append(try await service.perform(action, on: id, scope: scope, context: context).name)
            } catch let error as any PublicError {
                failed.append(error.publicMessage)
            }
        }
        let verb = Self.pastTense(name)
        var message = done.isEmpty ? "" : "\(verb.capitalizedFirst) \(done.joined(separator: ", "))."
        if !failed.isEmpty { message += (message.isEmpty ? "" : " ") + "Not \(verb): " + failed.joined(separator: " ") }
        return flash.redirectBack(
            request, fallback: "/hosts/\(scope.host.id)/containers", failed.isEmpty ? .notice(message) : .error(message), context: context)
    }

    static func pastTense(_ action: String) -> String {
        switch action {
        case "stop": "stopped"
        case "kill": "killed"
        case "pause": "paused"
        case "unpause": "unpaused"
        case "remove": "removed"
        case "rename": "renamed"
        default: action + "ed"
        }
    }

    static func hostValue(_ scope: HostScope) -> TemplateValue {
        .object([
            "id": .int(Int(scope.host.id)), "name": .text(scope.host.name), "canOperate": .bool(scope.canOperate),
            "isAdmin": .bool(scope.access == .admin),
        ])
    }

    func createPage(
        _ scope: HostScope, _ context: RequestContext, form: ContainerForm, errors: [String: String], status: HTTPStatus = .ok
    ) async throws -> HTTPResponse {
        // The host's images and networks for the pickers; a host that cannot list them still
        // gets the form (the image is typed then).
        let images = (try? await scope.engine { client in try await client.listImages() }) ?? []
        let networks = (try? await scope.engine { client in try await client.listNetworks() }) ?? []
        let tags = Set(images.flatMap { $0.repoTags ?? [] }.filter { $0 != "<none>:<none>" }).sorted()
        var networkNames = networks.map(\.name).sorted()
        if networkNames.isEmpty { networkNames = ["none"] }
        var values = form.values
        if values["network"]?.isEmpty ?? true { values["network"] = networkNames.contains("bridge") ? "bridge" : "none" }
        return try pages.render("containers/new", title: "New container · \(scope.host.name)", status: status, context: context, section: "hosts", values: [
            "host": Self.hostValue(scope),
            "form": .object(ContainerForm.fields.reduce(into: [:]) { object, field in
                object[field] = .object(["value": .text(values[field] ?? ""), "error": errors[field].map { .text($0) } ?? .null])
            }),
            "checks": .object(["start": .bool(values["start"] == "1"), "auto_remove": .bool(values["auto_remove"] == "1")]),
            "images": .list(tags.map { .text($0) }),
            "networks": .list(networkNames.map { name in .object(["name": .text(name), "selected": .bool(values["network"] == name)]) }),
            "restarts": .list(["no", "always", "unless-stopped", "on-failure"].map { policy in
                .object(["value": .text(policy), "selected": .bool((values["restart"] ?? "no").isEmpty ? policy == "no" : values["restart"] == policy)])
            }),
            "hasErrors": .bool(!errors.isEmpty),
        ])
    }

    func prunePage(_ scope: HostScope, _ context: RequestContext, filters: PruneFilters, preview: [ContainerJSON]) throws -> HTTPResponse {
        let reclaimable = preview.reduce(0) { $0 + max(0, $1.sizeRw ?? 0) }
        let rows = TemplateValue.list(preview.map { ContainerViews.row($0, now: time.now(), canOperate: false) })
        return try pages.render("containers/prune", title: "Remove stopped containers · \(scope.host.name)", context: context, section: "hosts", values: [
            "host": Self.hostValue(scope),
            "containers": rows,
            "page": .object([
                "containers": rows, "selectable": false, "showHost": false,
                "sort": ContainerViews.sortLinks(ContainerQuery(), base: "/hosts/\(scope.host.id)/containers"),
            ]),
            "count": .int(preview.count),
            "reclaimable": .text(ByteText.format(reclaimable)),
            "until": .text(filters.untilText),
            "labels": .list(filters.labels.map { .text($0) }),
            "labelText": .text(filters.labels.first ?? ""),
        ])
    }

    /// "Are you sure?" for a destructive action, without JavaScript: the same form again, with
    /// `confirm=1`.
    func confirmPage(
        _ scope: HostScope, _ context: RequestContext, action: String, names: [TemplateValue], fields: [(name: String, value: String)],
        target: String, back: String
    ) throws -> HTTPResponse {
        try pages.render("containers/confirm", title: "Confirm · \(scope.host.name)", context: context, section: "hosts", values: [
            "host": Self.hostValue(scope),
            "action": .text(action),
            "names": .list(names),
            "fields": .list(fields.map { .object(["name": .text($0.name), "value": .text($0.value)]) }),
            "target": .text(target),
            "back": .text(back),
        ])
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
