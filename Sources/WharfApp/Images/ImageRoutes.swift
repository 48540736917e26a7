import WharfHTTP
import WharfTemplates
import WharfWire

/// The image pages of a host: the list (filters, sorting, save a selection), pull (with a
/// registry search), build, load and import (uploads streamed into jobs), prune with a preview;
/// in `ImageRoutes+Detail`, one image's page and actions, and commit from a container's page.
struct ImageRoutes: Sendable {
    let pages: Pages
    let service: ImageService
    let flash: FlashSigner
    let time: TimeSource

    func register(into router: inout AppRouter) {
        router.hostPage(.get, "/images", permission: .hostView) { request, context, scope in
            let query = try ImageQuery(request)
            let images = try await service.list(scope, query)
            let base = "/hosts/\(scope.host.id)/images"
            return try pages.render("images/index", title: "Images · \(scope.host.name)", context: context, section: "hosts", values: [
                "host": ContainerRoutes.hostValue(scope),
                "nav": HostNav.value(scope.host, current: "images"),
                "images": .list(images.map { ImageViews.row($0, now: time.now()) }),
                "count": .int(images.count),
                "total": .text(ByteText.format(images.reduce(0) { $0 + $1.size })),
                "filters": ImageViews.filterValues(query),
                "sort": ImageViews.sortLinks(query, base: base),
            ])
        }
        router.hostPage(.get, "/images/pull", permission: .hostOperate) { request, context, scope in
            var values: [String: TemplateValue] = ["host": ContainerRoutes.hostValue(scope), "reference": .text(request.queryValue("reference") ?? "")]
            let term = String(request.queryValue("term")?.trimmingASCIISpaces() ?? "")
            values["term"] = .text(term)
            values["results"] = .null
            values["searchError"] = .null
            if !term.isEmpty {
                do {
                    let found = try await service.search(term, limit: 25, on: scope)
                    values["results"] = .list(found.results.map { result in
                        .object([
                            "name": .text(result.name), "description": .text(result.description), "stars": .int(result.stars),
                            "official": .bool(result.official),
                        ])
                    })
                } catch let error as any PublicError where error.status.code != 500 {
                    // The registry's own words: Docker Hub unreachable, a registry without search…
                    values["searchError"] = .text(error.publicMessage)
                }
            }
            return try pages.render("images/pull", title: "Pull an image · \(scope.host.name)", context: context, section: "hosts", values: values)
        }
        router.hostAction("/images/pull", permission: .hostOperate, fallback: { "/hosts/\($0.host.id)/images/pull" }) { request, context, scope in
            let form = try await Form.read(request)
            guard let reference = ImageReference(form.text("reference")) else {
                throw FieldErrors(["reference": "Give an image name like busybox, busybox:1.36 or registry.example.com:5000/team/app:1.0."])
            }
            let job = try await service.startPull(reference, username: form["username"], password: form["password"], on: scope, context: context)
            return try JobAnswer.response(job, request)
        }
        for (path, title, template) in [("/images/build", "Build an image", "images/build"), ("/images/load", "Load images", "images/load"),
                                         ("/images/import", "Import a filesystem", "images/import")] {
            router.hostPage(.get, path, permission: .hostOperate) { _, context, scope in
                try pages.render(template, title: "\(title) · \(scope.host.name)", context: context, section: "hosts", values: [
                    "host": ContainerRoutes.hostValue(scope),
                    "action": .text("/hosts/\(scope.host.id)\(path)"),
                ])
            }
        }
        registerUpload(&router, "/images/build") { request, context, scope in try await service.startBuild(request, on: scope, context: context) }
        registerUpload(&router, "/images/load") { request, context, scope in try await service.startLoad(request, on: scope, context: context) }
        registerUpload(&router, "/images/import") { request, context, scope in try await service.startImport(request, on: scope, context: context) }
        router.hostPage(.get, "/images/save", permission: .hostOperate) { request, context, scope in
            let names = request.queryItems.filter { $0.name == "name" }.map(\.value)
            return try await ImageSave.response(names, service: service, scope: scope, context: context)
        }
        router.hostPage(.get, "/prune/images", permission: .hostOperate) { request, context, scope in
            let selection = try ImagePrune.Selection(
                mode: request.queryValue("mode"), until: request.queryValue("until"),
                labels: request.queryItems.filter { $0.name == "label" }.map(\.value), now: time.now() / 1000)
            let preview = try await ImagePrune.preview(scope, selection, service: service)
            return try pages.render("images/prune", title: "Remove unused images · \(scope.host.name)", context: context, section: "hosts", values: [
                "host": ContainerRoutes.hostValue(scope),
                "images": .list(preview.map { ImageViews.row($0, now: time.now()) }),
                "count": .int(preview.count),
                "reclaimable": .text(ByteText.format(preview.reduce(0) { $0 + $1.size })),
                "modes": .list(ImagePrune.modes.map { .object(["value": .text($0), "selected": .bool($0 == selection.mode)]) }),
                "mode": .text(selection.mode),
                "until": .text(selection.filters.untilText),
                "labels": .list(selection.filters.labels.map { .text($0) }),
                "labelText": .text(selection.filters.labels.first ?? ""),
            ])
        }
        router.hostAction("/prune/images", permission: .hostOperate, maxBodyBytes: 1024 * 1024, fallback: { "/hosts/\($0.host.id)/prune/images" }) { request, context, scope in
            let form = try await Form.read(request, limit: 1024 * 1024)
            let selection = try ImagePrune.Selection(
                mode: form["mode"], until: form["until"], labels: form.pairs.filter { $0.name == "label" }.map(\.value), now: time.now() / 1000)
            let ids = form.pairs.filter { $0.name == "id" }.map(\.value)
            let (removed, reclaimed) = try await ImagePrune.confirm(ids, selection, scope: scope, context: context, service: service)
            return flash.redirect(
                to: "/hosts/\(scope.host.id)/images",
                .notice("Removed \(removed.count) image\(removed.count == 1 ? "" : "s"), up to \(ByteText.format(reclaimed)) reclaimed."),
                context: context)
        }
        registerDetail(into: &router)
    }

    /// A POST whose body is an upload feeding a job (raw tar or multipart). A page's script asks
    /// for JSON and gets the job or the error; a form goes to the job's page, or back to the form
    /// with the error when no job could start.
    private func registerUpload(
        _ router: inout AppRouter, _ path: String, start: @escaping @Sendable (HTTPRequest, RequestContext, HostScope) async throws -> Job
    ) {
        let flash = self.flash
        router.hostPage(.post, path, permission: .hostOperate, maxBodyBytes: ImageService.uploadLimit) { request, context, scope in
            do {
                return try JobAnswer.response(try await start(request, context, scope), request)
            } catch let error as UploadFailed where !ErrorPages.wantsJSON(request) {
                return flash.redirect(to: "/jobs/\(error.job)", .error(error.publicMessage), context: context)
            } catch let error as any PublicError where !ErrorPages.wantsJSON(request) && error.status.code != 500 {
                return flash.redirect(to: "/hosts/\(scope.host.id)\(path)", .error(error.publicMessage), context: context)
            }
        }
    }
}
