package import WharfHTTP
import WharfTemplates

/// "Are you sure?" for a destructive action, without JavaScript: the same form again with
/// `confirm=1`, the names it acts on, and its options as check boxes (`Templates/forms/confirm`).
/// Pages whose forms carry `data-confirm` skip it: the script asked already.
package struct ConfirmPage {
    package var title: String
    /// Breadcrumb links after the host's: `(label, url)`; the last one is the resource's list.
    package var crumbs: [(label: String, url: String)]
    package var names: [String]
    /// The submitted fields, carried as hidden inputs (the CSRF token and `confirm` are added).
    package var fields: [(name: String, value: String)]
    /// Check boxes offered here (`force`), `(name, label)`; fields of these names are not carried.
    package var options: [(name: String, label: String)] = []
    package var hint: String
    package var button: String
    package var target: String
    package var back: String

    package init(
        title: String, crumbs: [(label: String, url: String)], names: [String], fields: [(name: String, value: String)],
        options: [(name: String, label: String)] = [], hint: String, button: String, target: String, back: String
    ) {
        self.title = title
        self.crumbs = crumbs
        self.names = names
        self.fields = fields
        self.options = options
        self.hint = hint
        self.button = button
        self.target = target
        self.back = back
    }

    package func render(_ pages: Pages, host: DockerHost, context: RequestContext) throws -> HTTPResponse {
        let optionNames = Set(options.map(\.name))
        let carried = fields.filter { $0.name != "csrf" && $0.name != "confirm" && !optionNames.contains($0.name) }
        return try pages.render("forms/confirm", title: "\(title) · \(host.name)", context: context, section: "hosts", values: [
            "host": .object(["id": .int(Int(host.id)), "name": .text(host.name)]),
            "heading": .text(title),
            "crumbs": .list(crumbs.map { .object(["label": .text($0.label), "url": .text($0.url)]) }),
            "names": .list(names.map { .text($0) }),
            "fields": .list(carried.map { .object(["name": .text($0.name), "value": .text($0.value)]) }),
            "options": .list(options.map { .object(["name": .text($0.name), "label": .text($0.label)]) }),
            "hint": .text(hint),
            "button": .text(button),
            "target": .text(target),
            "back": .text(back),
        ])
    }
}
