import FoundationEssentials
import WharfDocker
import WharfHTTP
import WharfTemplates

/// The volume pages of a host: the list (filters, sizes, who uses each), create, one volume
/// (inspect, remove) and prune with a preview.
struct VolumeRoutes {
    let pages: Pages
    let service: VolumeService
    let flash: FlashSigner
    let time: TimeSource

    func register(into router: inout AppRouter) {
        router.hostPage(.get, "/volumes", permission: .hostView) { request, context, scope in
            let query = try VolumeQuery(request)
            let (volumes, warnings) = try await service.list(scope, query)
            return try page("volumes/index", "Volumes", scope, context, values: [
                "volumes": .list(volumes.map { VolumeViews.row($0, now: time.now()) }),
                "count": .int(volumes.count),
                "warnings": .list(warnings.map { .text($0) }),
                "filters": VolumeViews.filterValues(query),
            ])
        }
        router.hostPage(.get, "/volumes/new", permission: .hostOperate) { _, context, scope in
            try createPage(scope, context, form: VolumeForm(), errors: [:])
        }
        router.hostPage(.post, "/volumes", permission: .hostOperate) { request, context, scope in
            let input = VolumeForm(try await Form.read(request))
            do {
                let created = try await service.create(try input.checked(), on: scope, context: context)
                return flash.redirect(
                    to: VolumeViews.url(created.name, host: scope.host.id), .notice("Volume \(created.name) created."), context: context)
            } catch let error as FieldErrors {
                return try createPage(scope, context, form: input, errors: error.fieldErrors, status: .unprocessableContent)
            } catch let error as any PublicError where [400, 404, 409, 422].contains(error.status.code) {
                let field = error.publicMessage.lowercased().contains("driver") || error.publicMessage.contains("plugin") ? "driver"
                    : error.publicMessage.lowercased().contains("option") ? "options" : "name"
                return try createPage(scope, context, form: input, errors: [field: error.publicMessage], status: error.status)
            }
        }
        router.hostPage(.get, "/prune/volumes", permission: .hostOperate) { request, context, scope in
            let labels = request.queryItems.filter { $0.name == "label" }.map(\.value).filter { !$0.isEmpty }
            let preview = try await VolumePrune.preview(scope, labels: labels, service: service)
            return try page("volumes/prune", "Remove unused volumes", scope, context, values: [
                "volumes": .list(preview.map { VolumeViews.row($0, now: time.now()) }),
                "count": .int(preview.count),
                "countText": .text(CountText.of(preview.count, "volume")),
                "reclaimable": .text(ByteText.format(preview.reduce(0) { $0 + max(0, $1.size ?? 0) })),
                "labels": .list(labels.map { .text($0) }),
                "labelText": .text(labels.first ?? ""),
            ])
        }
        router.hostAction("/prune/volumes", permission: .hostOperate, maxBodyBytes: 1024 * 1024, fallback: { "/hosts/\($0.host.id)/prune/volumes" }) { request, context, scope in
            let form = try await Form.read(request, limit: 1024 * 1024)
            let labels = form.pairs.filter { $0.name == "label" }.map(\.value).filter { !$0.isEmpty }
            let names = form.pairs.filter { $0.name == "name" }.map(\.value)
            let (removed, reclaimed) = try await VolumePrune.confirm(names, labels: labels, scope: scope, context: context, service: service)
            return flash.redirect(
                to: "/hosts/\(scope.host.id)/volumes",
                .notice("Removed \(CountText.of(removed.count, "unused volume")), \(ByteText.format(reclaimed)) reclaimed."),
                context: context)
        }
        router.hostPage(.get, "/volumes/:name", permission: .hostView) { request, context, scope in
            let size = try request.queryValue("size").map { try EngineFilterQuery.flag("size", $0) } ?? false
            let (volume, raw) = try await service.detail(context.parameters["name"] ?? "", size: size, on: scope)
            return try page("volumes/show", volume.name, scope, context, values: [
                "volume": VolumeViews.row(volume, now: time.now()),
                "measured": .bool(size),
                "json": .text(Self.pretty(raw)),
            ])
        }
        router.hostAction("/volumes/:name/remove", permission: .hostOperate, fallback: { "/hosts/\($0.host.id)/volumes" }) { request, context, scope in
            let name = context.parameters["name"] ?? ""
            let form = try await Form.read(request)
            let force = (try? EngineFilterQuery.flag("force", form["force"] ?? "0")) ?? false
            if form["confirm"] != "1" {
                return try ConfirmPage(
                    title: "Remove volume \(name)?", crumbs: [("Volumes", "/hosts/\(scope.host.id)/volumes")], names: [name],
                    fields: form.pairs, options: [("force", "Remove it even if its driver reports an error (force)")],
                    hint: "Removing a volume deletes its data; it cannot be undone. A volume a container uses is not removed.",
                    button: "Remove", target: VolumeViews.url(name, host: scope.host.id) + "/remove",
                    back: VolumeViews.url(name, host: scope.host.id)
                ).render(pages, host: scope.host, context: context)
            }
            try await service.remove(name, force: force, on: scope, context: context)
            return flash.redirect(to: "/hosts/\(scope.host.id)/volumes", .notice("Volume \(name) removed."), context: context)
        }
    }

    func page(_ template: String, _ title: String, _ scope: HostScope, _ context: RequestContext, status: HTTPStatus = .ok, values: [String: TemplateValue]) throws -> HTTPResponse {
        try pages.renderHost(template, title: title, scope: scope, current: "volumes", context: context, status: status, values: values)
    }

    func createPage(_ scope: HostScope, _ context: RequestContext, form: VolumeForm, errors: [String: String], status: HTTPStatus = .ok) throws -> HTTPResponse {
        try page("volumes/new", "New volume", scope, context, status: status, values: [
            "form": .object(VolumeForm.fields.reduce(into: [:]) { object, field in
                object[field] = .object(["value": .text(form.values[field] ?? ""), "error": errors[field].map { .text($0) } ?? .null])
            }),
            "hasErrors": .bool(!errors.isEmpty),
        ])
    }

    /// The engine's document as indented JSON for a `<pre>`.
    static func pretty(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}
