package import WharfHTTP
package import WharfTemplates
import WharfWire

/// Renders pages through the layout, adding what every page needs: the versioned stylesheet and
/// script URLs, the version, the request id, the signed-in user for the header, and the CSRF token
/// forms carry.
package struct Pages: Sendable {
    package let templates: TemplateLibrary
    package let assets: StaticFiles

    package init(templates: TemplateLibrary, assets: StaticFiles) {
        self.templates = templates
        self.assets = assets
    }

    /// Renders template `name` with `values` plus a `layout` object, as an HTML response.
    /// - Parameter section: the header link marked current (`dashboard`, `users`, `audit`, `profile`).
    /// - Throws: ``TemplateError`` when the template and the values disagree (a bug: tests catch it).
    package func render(
        _ name: String, title: String, status: HTTPStatus = .ok, context: RequestContext, section: String = "",
        values: [String: TemplateValue] = [:]
    ) throws -> HTTPResponse {
        var root = values
        var user: TemplateValue = .null
        if let principal = context.principal, principal.sessionID != nil {
            user = .object([
                "name": .text(principal.username),
                "role": .text(principal.role.rawValue),
                "roleLabel": .text(principal.role.label),
                "isAdmin": .bool(principal.isAdmin),
                "mustEnrol": .bool(principal.mustEnrolSecondFactor),
            ])
        }
        root["layout"] = .object([
            "title": .text(title),
            "stylesheet": .text(assets.url(for: "css/wharf.css")),
            "script": .text(assets.url(for: "js/wharf.js")),
            "icon": .text(assets.url(for: "img/wharf.svg")),
            "version": .text(WharfVersion.current),
            "requestID": .text(context.requestID),
            "user": user,
            "csrf": .text(context.formToken ?? ""),
            "section": .text(section),
            "flash": context.flash.map { .object(["kind": .text($0.kind), "text": .text($0.text)]) } ?? .null,
        ])
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 * 1024)
        try templates.render(name, .object(root), into: &bytes)
        var response = HTTPResponse.html(bytes, status: status)
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
