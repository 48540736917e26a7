import FoundationEssentials
import WharfDocker
import WharfHTTP
import WharfTemplates
import WharfWire

/// One image: its page (facts, names, containers made from it, history, the engine's document)
/// and its actions: tag, remove (confirmed), push (a job); and commit from a container's page.
extension ImageRoutes {
    func registerDetail(into router: inout AppRouter) {
        router.hostPage(.get, "/images/:id", permission: .hostView) { _, context, scope in
            let (image, history) = try await service.detail(context.parameters["id"] ?? "", on: scope)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let json = String(decoding: (try? encoder.encode(image.raw)) ?? Data(), as: UTF8.self)
            return try pages.render("images/show", title: "\(image.tags.first ?? image.shortId) · \(scope.host.name)", context: context,
                                    section: "hosts", values: [
                "host": ContainerRoutes.hostValue(scope),
                "nav": HostNav.value(scope.host, current: "images"),
                "image": ImageViews.detail(image, now: time.now()),
                "history": ImageViews.history(history, now: time.now()),
                "json": .text(json),
            ])
        }
        router.hostAction("/images/:id/tag", permission: .hostOperate, fallback: { "/hosts/\($0.host.id)/images" }) { request, context, scope in
            let form = try await Form.read(request)
            let image = try await service.tag(context.parameters["id"] ?? "", as: form.text("name"), on: scope, context: context)
            return flash.redirectBack(request, fallback: "/hosts/\(scope.host.id)/images/\(image.id)",
                                      .notice("\(image.name) is also \(ImageReference(form.text("name"))?.description ?? form.text("name")) now."), context: context)
        }
        router.hostAction("/images/:id/remove", permission: .hostOperate, fallback: { "/hosts/\($0.host.id)/images" }) { request, context, scope in
            let reference = context.parameters["id"] ?? ""
            let form = try await Form.read(request)
            func flag(_ name: String) -> Bool { ["1", "true", "on"].contains(form[name] ?? "") }
            if form["confirm"] != "1" {
                let image = try await service.resolve(reference, on: scope)
                return try pages.render("images/confirm", title: "Remove \(image.name) · \(scope.host.name)", context: context, section: "hosts", values: [
                    "host": ContainerRoutes.hostValue(scope),
                    "name": .text(image.name), "shortId": .text(ImageJSON.shortID(image.id)),
                    "tags": .list(image.tags.map { .text($0) }),
                    "target": .text("/hosts/\(scope.host.id)/images/\(FormDecoding.encode(reference))/remove"),
                    "back": .text("/hosts/\(scope.host.id)/images/\(image.id)"),
                ])
            }
            let removed = try await service.remove(reference, force: flag("force"), noPrune: flag("noprune"), on: scope, context: context)
            let what = removed.deleted.isEmpty ? "Untagged \(removed.untagged.joined(separator: ", "))." : "Removed \(reference) (\(removed.deleted.count) layers)."
            return flash.redirect(to: "/hosts/\(scope.host.id)/images", .notice(what), context: context)
        }
        router.hostAction("/images/:id/push", permission: .hostOperate, fallback: { "/hosts/\($0.host.id)/images" }) { request, context, scope in
            let form = try await Form.read(request)
            guard let reference = ImageReference(form.text("reference")), reference.digest == nil else {
                throw FieldErrors(["reference": "Choose the name to push, like registry.example.com:5000/team/web:1.2."])
            }
            let job = try await service.startPush(reference, username: form["username"], password: form["password"], on: scope, context: context)
            return try JobAnswer.response(job, request)
        }
        router.hostAction("/containers/:id/commit", permission: .hostOperate, fallback: { "/hosts/\($0.host.id)/containers" }) { request, context, scope in
            let form = try await Form.read(request)
            let id = try await service.commit(context.parameters["id"] ?? "", CommitInput(form: form), on: scope, context: context)
            return flash.redirect(to: "/hosts/\(scope.host.id)/images/\(id)", .notice("Committed as image \(ImageJSON.shortID(id))."), context: context)
        }
    }
}
