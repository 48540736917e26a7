import WharfHTTP
import WharfSQLite
import WharfTemplates
import WharfWire

/// The audit history for admins: `/audit` (filters, newest first, keyset pages of 50), one row at
/// `/audit/:id`, and the filtered set streamed as CSV or JSON Lines. Exports are audited.
struct AuditRoutes {
    let pages: Pages
    let database: Database

    static let pageSize = 50

    func register(into router: inout RouterBuilder) {
        router.add(.get, "/audit", permission: Permission.admin) { request, context in
            try await list(request, context)
        }
        router.add(.get, "/audit/export.csv", permission: Permission.admin) { request, context in
            try await export(request, context, format: .csv)
        }
        router.add(.get, "/audit/export.jsonl", permission: Permission.admin) { request, context in
            try await export(request, context, format: .jsonl)
        }
        router.add(.get, "/audit/:id", permission: Permission.admin) { _, context in
            guard let id = context.parameters["id"].flatMap({ Int64($0) }), id > 0,
                  let record = try await database.read({ connection in try AuditRepository.record(id: id, on: connection) })
            else {
                throw HTTPError(.notFound, "There is no audit row with this id. It may have been purged; go back to the audit history.")
            }
            return try pages.render("audit/show", title: "Audit row \(record.id)", context: context, section: "audit", values: [
                "row": Self.recordValue(record, detailed: true),
            ])
        }
    }

    private func list(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let query = request.queryItems
        let lookup = { (name: String) in query.first { $0.name == name }?.value }
        let form = Self.formValues(lookup)
        let filter: AuditFilter
        do {
            filter = try AuditFilter.parse(lookup)
        } catch {
            return try render(context, form: form, problems: error.problems, rows: [], next: nil, status: .unprocessableContent)
        }
        var before: Int64?
        if let text = lookup("before"), !text.isEmpty {
            guard let value = Int64(text), value > 0 else {
                throw HTTPError(.badRequest, "The page link is damaged: before= must be a row id. Start again from the first page.")
            }
            before = value
        }
        let limit = Self.pageSize
        let cursor = before
        let rows = try await database.read { connection in
            try AuditRepository.page(filter, before: cursor, limit: limit + 1, on: connection)
        }
        let shown = Array(rows.prefix(limit))
        let next = rows.count > limit ? shown.last.map { Self.link("/audit", filter.pairs + [("before", String($0.id))]) } : nil
        return try render(context, form: form, problems: [], rows: shown, next: next, filter: filter, paged: before != nil)
    }

    private func render(
        _ context: RequestContext, form: [String: String], problems: [AuditFilter.Problem], rows: [AuditRecord],
        next: String?, filter: AuditFilter = AuditFilter(), paged: Bool = false, status: HTTPStatus = .ok
    ) throws -> HTTPResponse {
        var fields: [String: TemplateValue] = [:]
        for name in ["actor", "host", "action", "outcome", "from", "to", "target"] {
            let error = problems.first { $0.field == name || ($0.field == "since" && name == "from") || ($0.field == "until" && name == "to") }
            fields[name] = .object([
                "value": .text(form[name] ?? ""),
                "error": error.map { .text($0.message) } ?? .null,
            ])
        }
        let outcome = form["outcome"] ?? ""
        return try pages.render("audit/index", title: "Audit", status: status, context: context, section: "audit", values: [
            "fields": .object(fields),
            "outcomes": .list([("", "Any"), ("ok", "OK"), ("failed", "Failed"), ("denied", "Denied")].map { value, label in
                .object(["value": .text(value), "label": .text(label), "selected": .bool(value == outcome)])
            }),
            "rows": .list(rows.map { Self.recordValue($0, detailed: false) }),
            "invalid": .bool(!problems.isEmpty),
            "filtered": .bool(!filter.isEmpty),
            "next": next.map(TemplateValue.text) ?? .null,
            "first": paged ? .text(Self.link("/audit", filter.pairs)) : .null,
            "csv": .text(Self.link("/audit/export.csv", filter.pairs)),
            "jsonl": .text(Self.link("/audit/export.jsonl", filter.pairs)),
        ])
    }

    private func export(_ request: HTTPRequest, _ context: RequestContext, format: AuditExport.Format) async throws -> HTTPResponse {
        let query = request.queryItems
        let filter: AuditFilter
        do {
            filter = try AuditFilter.parse { name in query.first { $0.name == name }?.value }
        } catch {
            throw HTTPError(.unprocessableContent, "The export's filters are not valid (\(error)). Correct them on the audit page.")
        }
        var parameters = ["format": format.rawValue]
        for (name, value) in filter.pairs { parameters["filter_" + name] = value }
        let entry = context.auditEntry("audit.export", target: "audit_log", parameters: parameters, httpStatus: .ok)
        _ = try await database.write { connection in
            try AuditLog.append(entry, on: connection)
        }
        let database = self.database
        var response = HTTPResponse(status: .ok, body: .stream(length: nil) { writer in
            try await AuditExport.run(filter, format: format, database: database) { bytes in try await writer.write(bytes) }
        })
        response.headers.set("Content-Type", format.contentType)
        response.headers.set("Content-Disposition", "attachment; filename=\"wharf-audit.\(format.rawValue)\"")
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
