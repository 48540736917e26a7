import WharfHTTP
import WharfTemplates
import WharfWire

/// The registries page (admins): stored credentials, add, change, remove, and a login check
/// through one of the hosts.
struct RegistryRoutes: Sendable {
    let pages: Pages
    let service: RegistryService
    let hosts: HostServices
    let flash: FlashSigner
    let time: TimeSource

    func register(into router: inout AppRouter) {
        router.add(.get, "/registries", permission: .admin) { _, context in
            try await page(context, form: [:], errors: [:])
        }
        router.add(.post, "/registries", permission: .admin) { request, context in
            let form = try await Form.read(request)
            let input = RegistryService.Input(address: form.text("address"), username: form.text("username"), password: form["password"])
            do {
                let registry = try await service.create(input, context: context)
                return flash.redirect(to: "/registries", .notice("Credentials for \(registry.address) saved."), context: context)
            } catch let error as FieldErrors {
                return try await page(context, form: ["address": input.address, "username": input.username], errors: error.fieldErrors, status: .unprocessableContent)
            }
        }
        router.add(.get, "/registries/:id", permission: .admin) { _, context in
            let registry = try await service.find(context.parameters["id"] ?? "")
            return try editPage(registry, context, form: ["address": registry.address, "username": registry.username], errors: [:])
        }
        router.add(.post, "/registries/:id", permission: .admin) { request, context in
            let registry = try await service.find(context.parameters["id"] ?? "")
            let form = try await Form.read(request)
            let input = RegistryService.Input(address: form.text("address"), username: form.text("username"), password: form["password"])
            do {
                let updated = try await service.update(registry, with: input, context: context)
                return flash.redirect(to: "/registries", .notice("Credentials for \(updated.address) saved."), context: context)
            } catch let error as FieldErrors {
                return try editPage(registry, context, form: ["address": input.address, "username": input.username], errors: error.fieldErrors, status: .unprocessableContent)
            }
        }
        router.add(.post, "/registries/:id/delete", permission: .admin) { _, context in
            let registry = try await service.find(context.parameters["id"] ?? "")
            try await service.delete(registry, context: context)
            return flash.redirect(to: "/registries", .notice("Credentials for \(registry.address) removed."), context: context)
        }
        router.add(.post, "/registries/:id/test", permission: .admin) { request, context in
            let registry = try await service.find(context.parameters["id"] ?? "")
            let form = try await Form.read(request)
            do {
                guard let principal = context.principal, let scope = try await hosts.scope(form.text("host"), for: principal) else {
                    throw HTTPError(.unprocessableContent, "Choose the host whose engine checks the login.")
                }
                let status = try await service.test(registry, on: scope, context: context)
                return flash.redirect(to: "/registries", .notice("\(registry.address) through \(scope.host.name): \(status)"), context: context)
            } catch let error as any PublicError where error.status.code != 500 {
                return flash.redirect(to: "/registries", .error("\(registry.address): \(error.publicMessage)"), context: context)
            }
        }
    }

    private func page(_ context: RequestContext, form: [String: String], errors: [String: String], status: HTTPStatus = .ok) async throws -> HTTPResponse {
        let registries = try await service.list()
        let hosts = try await self.hosts.registry.hosts()
        return try pages.render("registries/index", title: "Registries", status: status, context: context, section: "registries", values: [
            "registries": .list(registries.map { registry in
                .object([
                    "id": .int(Int(registry.id)), "address": .text(registry.address), "username": .text(registry.username),
                    "updated": .text(TimeText.relative(registry.updatedMs, now: time.now())),
                ])
            }),
            "hosts": .list(hosts.map { .object(["id": .int(Int($0.id)), "name": .text($0.name)]) }),
            "form": Self.formValue(form, errors),
        ])
    }

    private func editPage(
        _ registry: Registry, _ context: RequestContext, form: [String: String], errors: [String: String], status: HTTPStatus = .ok
    ) throws -> HTTPResponse {
        try pages.render("registries/edit", title: "\(registry.address) · Registries", status: status, context: context, section: "registries", values: [
            "registry": .object(["id": .int(Int(registry.id)), "address": .text(registry.address)]),
            "form": Self.formValue(form, errors),
        ])
    }

    static func formValue(_ values: [String: String], _ errors: [String: String]) -> TemplateValue {
        var state = FormState(values)
        for (field, message) in errors { state.fail(field, message) }
        return state.templateValue(fields: ["address", "username", "password"])
    }
}
