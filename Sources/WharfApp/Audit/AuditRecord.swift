import WharfWire
import WharfHTTP
import FoundationEssentials
package import WharfSQLite

/// One stored audit row, as the page, the exports and the verifier read it.
package struct AuditRecord: Sendable, Equatable {
    package var id: Int64
    package var timeMilliseconds: Int64
    package var actorID: Int64?
    package var actorName: String?
    package var source: String
    package var clientAddress: String?
    package var userAgent: String?
    package var action: String
    package var hostID: Int64?
    package var target: String?
    /// The canonical JSON object as stored, or nil.
    package var parameters: String?
    package var outcome: String
    package var httpStatus: Int64?
    package var error: String?
    package var durationMilliseconds: Int64?
    package var prevHash: String
    package var hash: String

    /// The columns in table order, for `SELECT \(AuditRecord.columns) FROM audit_log`.
    package static let columns = """
        id, time_ms, actor_id, actor_name, source, client_address, user_agent, action, host_id, target, \
        parameters, outcome, http_status, error, duration_ms, prev_hash, hash
        """

    /// Reads a row selected with ``columns``. Values of an unexpected type (a row edited behind
    /// Wharf's back) read as nil or their text, never as an error: the verifier reports them.
    package init(row: Row) {
        func integer(_ index: Int) -> Int64? { if case .integer(let value) = row[index] { value } else { nil } }
        func text(_ index: Int) -> String? {
            switch row[index] {
            case .text(let value): value
            case .integer(let value): String(value)
            case .real(let value): String(value)
            case .blob(let bytes): String(decoding: bytes, as: UTF8.self)
            case .null: nil
            }
        }
        id = integer(0) ?? 0
        timeMilliseconds = integer(1) ?? 0
        actorID = integer(2)
        actorName = text(3)
        source = text(4) ?? ""
        clientAddress = text(5)
        userAgent = text(6)
        action = text(7) ?? ""
        hostID = integer(8)
        target = text(9)
        parameters = text(10)
        outcome = text(11) ?? ""
        httpStatus = integer(12)
        error = text(13)
        durationMilliseconds = integer(14)
        prevHash = text(15) ?? ""
        hash = text(16) ?? ""
    }

    /// The parameters as sorted key/value pairs; nil when they are not a JSON object of strings.
    package var parameterPairs: [(key: String, value: String)]? {
        guard let parameters else { return [] }
        guard let object = JSONText.stringObject(parameters) else { return nil }
        return object.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }
}

extension JSONText {
    /// `text` read as a JSON object whose values are all strings (audit parameters), or nil.
    package static func stringObject(_ text: String) -> [String: String]? {
        try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }
}
