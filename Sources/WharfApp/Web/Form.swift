package import WharfHTTP
package import WharfTemplates
import WharfWire

/// A submitted `application/x-www-form-urlencoded` form.
package struct Form: Sendable {
    package let pairs: [(name: String, value: String)]

    package init(pairs: [(name: String, value: String)]) { self.pairs = pairs }

    /// Reads and decodes the request body. - Throws: 415 for another content type, 413 over `limit`.
    /// - Parameter multipart: whether this form may also come as `multipart/form-data` (file inputs).
    package static func read(_ request: HTTPRequest, limit: Int = 64 * 1024, multipart: Bool = false) async throws -> Form {
        let type = request.headers["Content-Type"]?.lowercased() ?? ""
        if multipart, type.hasPrefix("multipart/form-data") {
            guard let boundary = MultipartForm.boundary(request.headers["Content-Type"] ?? "") else {
                throw HTTPError(.badRequest, "The form upload has no boundary; send it from its page.")
            }
            let body = try await request.body.collect(upTo: limit)
            guard let pairs = MultipartForm.pairs(body, boundary: boundary) else {
                throw HTTPError(.badRequest, "The form upload is malformed; send it again from its page.")
            }
            return Form(pairs: pairs)
        }
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw HTTPError(.unsupportedMediaType, "Send this form from its page (as application/x-www-form-urlencoded).")
        }
        let body = try await request.body.collect(upTo: limit)
        return Form(pairs: FormDecoding.pairs(String(decoding: body, as: UTF8.self)))
    }

    /// The value of `name` exactly as sent (passwords), nil when absent.
    package subscript(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// The value of `name` without surrounding white space, "" when absent.
    package func text(_ name: String) -> String {
        String(self[name]?.trimmingASCIISpaces() ?? "")
    }
}

/// The state of a form being shown again: what was typed and what is wrong, per field, for the
/// `_field` partials (`{{ form.username.value }}`, `{{ form.username.error }}`).
package struct FormState: Sendable {
    private var values: [String: String] = [:]
    private var errors: [String: String] = [:]
    /// A message about the whole form, shown above it.
    package var message: String?

    package init(_ values: [String: String] = [:]) { self.values = values }

    package mutating func set(_ field: String, _ value: String) { values[field] = value }
    package mutating func fail(_ field: String, _ message: String) { if errors[field] == nil { errors[field] = message } }
    package var hasErrors: Bool { !errors.isEmpty || message != nil }
    package func error(_ field: String) -> String? { errors[field] }

    /// `{field: {value, error}}` for every field in `fields`, plus `message`.
    package func templateValue(fields: [String]) -> TemplateValue {
        var object: [String: TemplateValue] = ["message": message.map(TemplateValue.text) ?? .null]
        for field in fields {
            object[field] = .object([
                "value": .text(values[field] ?? ""),
                "error": errors[field].map(TemplateValue.text) ?? .null,
            ])
        }
        return .object(object)
    }
}
