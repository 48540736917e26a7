package import WharfTemplates

/// The values the `forms/_field` partial reads for one input.
package struct FieldView {
    package var name: String
    package var label: String
    package var type = "text"
    package var autocomplete = "off"
    package var hint: String?
    package var required = true
    package var autofocus = false
    /// Password fields are never filled in again.
    package var keepsValue = true

    package init(
        _ name: String, label: String, type: String = "text", autocomplete: String = "off", hint: String? = nil,
        required: Bool = true, autofocus: Bool = false
    ) {
        self.name = name
        self.label = label
        self.type = type
        self.autocomplete = autocomplete
        self.hint = hint
        self.required = required
        self.autofocus = autofocus
        self.keepsValue = type != "password"
    }

    /// - Parameter focus: whether this field takes the focus (see ``values(_:_:prefix:)``).
    package func value(_ state: FormState, prefix: String = "", focus: Bool? = nil) -> TemplateValue {
        let field = state.templateValue(fields: [name])
        var value: TemplateValue = ""
        var error: TemplateValue = .null
        if case .object(let object) = field, case .object(let entry)? = object[name] {
            value = keepsValue ? entry["value"] ?? "" : ""
            error = entry["error"] ?? .null
        }
        return .object([
            "id": .text(prefix + name), "name": .text(name), "label": .text(label), "type": .text(type),
            "autocomplete": .text(autocomplete), "hint": hint.map(TemplateValue.text) ?? .null,
            "required": .bool(required), "autofocus": .bool(focus ?? autofocus),
            "value": value, "error": error,
        ])
    }

    /// `{name: field}` for each of `fields`. When some field is wrong, the first wrong one takes
    /// the focus instead of the one marked `autofocus`.
    package static func values(_ fields: [FieldView], _ state: FormState, prefix: String = "") -> TemplateValue {
        .object(Dictionary(uniqueKeysWithValues: zip(fields.map(\.name), rendered(fields, state, prefix: prefix))))
    }

    /// The same fields in order, for a form that shows a varying set (`{% for field in … %}`).
    package static func list(_ fields: [FieldView], _ state: FormState, prefix: String = "") -> TemplateValue {
        .list(rendered(fields, state, prefix: prefix))
    }

    private static func rendered(_ fields: [FieldView], _ state: FormState, prefix: String) -> [TemplateValue] {
        let firstWrong = fields.first { state.error($0.name) != nil }?.name
        return fields.map { field in field.value(state, prefix: prefix, focus: firstWrong.map { $0 == field.name }) }
    }
}
