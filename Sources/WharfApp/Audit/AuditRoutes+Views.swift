import WharfWire
import WharfHTTP
import WharfTemplates

/// The views of the audit pages.
extension AuditRoutes {
    /// What the filter form shows again: the values as typed, under the form's names.
    static func formValues(_ lookup: (String) -> String?) -> [String: String] {
        var values: [String: String] = [:]
        for name in ["actor", "host", "action", "outcome", "from", "to", "target"] {
            values[name] = lookup(name) ?? (name == "from" ? lookup("since") : name == "to" ? lookup("until") : nil)
        }
        return values
    }

    /// `path?name=value&…`, percent-encoded.
    static func link(_ path: String, _ pairs: [(String, String)]) -> String {
        guard !pairs.isEmpty else { return path }
        return path + "?" + pairs.map { FormDecoding.encode($0.0) + "=" + FormDecoding.encode($0.1) }.joined(separator: "&")
    }

    static func recordValue(_ record: AuditRecord, detailed: Bool) -> TemplateValue {
        func text(_ value: String?) -> TemplateValue { value.map(TemplateValue.text) ?? .null }
        var object: [String: TemplateValue] = [
            "id": .text(String(record.id)),
            "url": .text("/audit/\(record.id)"),
            "time": .text(AuditTime.display(record.timeMilliseconds)),
            "timeISO": .text(AuditTime.iso(record.timeMilliseconds)),
            "actor": text(record.actorName),
            "actorID": text(record.actorID.map(String.init)),
            "source": .text(record.source),
            "action": .text(record.action),
            "host": text(record.hostID.map(String.init)),
            "target": text(record.target),
            "outcome": .text(record.outcome),
            "outcomeClass": .text(record.outcome == "ok" ? "ok" : record.outcome == "denied" ? "warn" : "danger"),
            "status": text(record.httpStatus.map(String.init)),
        ]
        if detailed {
            object["client"] = text(record.clientAddress)
            object["userAgent"] = text(record.userAgent)
            object["error"] = text(record.error)
            object["duration"] = text(record.durationMilliseconds.map { "\($0) ms" })
            object["parameters"] = text(prettyParameters(record))
            object["prevHash"] = .text(record.prevHash)
            object["hash"] = .text(record.hash)
        }
        return .object(object)
    }

    /// The parameters as indented JSON, one key per line; stored text that is not an object of
    /// strings is shown as it is.
    static func prettyParameters(_ record: AuditRecord) -> String? {
        guard let raw = record.parameters else { return nil }
        guard let pairs = record.parameterPairs else { return raw }
        return "{\n" + pairs.map { "  " + JSONText.quoted($0.key) + ": " + JSONText.quoted($0.value) }.joined(separator: ",\n") + "\n}"
    }
}
