import FoundationEssentials

/// A job's options as stored in `jobs.parameters`: JSON with sorted keys. Values under keys that
/// look secret are redacted with the audit's rule (``AuditEntry/redacted(_:)``), so a password
/// given by mistake never lands in the table.
enum JobParameters {
    static func encode(_ parameters: [String: String]) -> String {
        (try? JSONBody.encode(AuditEntry.redacted(parameters))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func decode(_ text: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }
}
