import WharfWire
import WharfHTTP
package import WharfSQLite

/// Exports of the audit history as CSV (RFC 4180) or JSON Lines, produced row by row.
///
/// Rows are read in batches by keyset (`id > last`), each batch in its own short read
/// transaction, encoded into one bounded buffer and handed to `write`, so memory stays flat
/// whatever the number of rows, and no read transaction stays open while the client is slow.
/// The export stops at the newest row that existed when it began.
package enum AuditExport {
    package enum Format: String, Sendable, CaseIterable {
        case csv, jsonl

        package var contentType: String {
            switch self {
            case .csv: "text/csv; charset=utf-8"
            case .jsonl: "application/jsonl; charset=utf-8"
            }
        }
    }

    /// Rows read per batch.
    package static let batchSize = 500

    package static let csvHeader = "id,time,actor_id,actor_name,source,client_address,user_agent,action,host_id,target,"
        + "parameters,outcome,http_status,error,duration_ms,prev_hash,hash\r\n"

    /// Streams the rows matching `filter` (oldest first) to `write`.
    /// - Returns: the number of rows written.
    @discardableResult
    package static func run(
        _ filter: AuditFilter, format: Format, database: Database, write: ([UInt8]) async throws -> Void
    ) async throws -> Int {
        let through = try await database.read { connection in try AuditRepository.lastID(on: connection) }
        if format == .csv { try await write(Array(csvHeader.utf8)) }
        var after: Int64 = 0
        var count = 0
        while true {
            try Task.checkCancellation()
            let cursor = after
            let rows = try await database.read { connection in
                try AuditRepository.batch(filter, after: cursor, through: through, limit: batchSize, on: connection)
            }
            guard let last = rows.last else { break }
            var buffer: [UInt8] = []
            buffer.reserveCapacity(rows.count * 400)
            for row in rows { encode(row, as: format, into: &buffer) }
            try await write(buffer)
            count += rows.count
            after = last.id
            if rows.count < batchSize { break }
        }
        return count
    }

    package static func encode(_ row: AuditRecord, as format: Format, into buffer: inout [UInt8]) {
        switch format {
        case .csv: csv(row, into: &buffer)
        case .jsonl: jsonLine(row, into: &buffer)
        }
    }

    private static func csv(_ row: AuditRecord, into buffer: inout [UInt8]) {
        let cells: [String?] = [
            String(row.id), AuditTime.iso(row.timeMilliseconds), row.actorID.map(String.init), row.actorName, row.source,
            row.clientAddress, row.userAgent, row.action, row.hostID.map(String.init), row.target, row.parameters,
            row.outcome, row.httpStatus.map(String.init), row.error, row.durationMilliseconds.map(String.init),
            row.prevHash, row.hash,
        ]
        for (index, cell) in cells.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            if let cell { appendCSVCell(cell, numeric: [0, 2, 8, 12, 14].contains(index), into: &buffer) }
        }
        buffer += [0x0D, 0x0A]
    }

    /// One CSV cell. Text starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`, so a
    /// spreadsheet shows it instead of running it as a formula (OWASP "CSV injection"); a cell
    /// holding `,`, `"`, CR or LF is quoted with inner quotes doubled (RFC 4180 §2.6–2.7).
    package static func appendCSVCell(_ text: String, numeric: Bool = false, into buffer: inout [UInt8]) {
        var utf8 = Array(text.utf8)
        if !numeric, let first = utf8.first, [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D].contains(first) {
            utf8.insert(UInt8(ascii: "'"), at: 0)
        }
        let needsQuotes = utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A }
        guard needsQuotes else {
            buffer += utf8
            return
        }
        buffer.append(UInt8(ascii: "\""))
        for byte in utf8 {
            if byte == UInt8(ascii: "\"") { buffer.append(byte) }
            buffer.append(byte)
        }
        buffer.append(UInt8(ascii: "\""))
    }

    private static func jsonLine(_ row: AuditRecord, into buffer: inout [UInt8]) {
        func text(_ value: String?) -> String { value.map(JSONText.quoted) ?? "null" }
        func number(_ value: Int64?) -> String { value.map(String.init) ?? "null" }
        var parameters = "null"
        if let pairs = row.parameterPairs {
            if row.parameters != nil {
                parameters = "{" + pairs.map { JSONText.quoted($0.key) + ":" + JSONText.quoted($0.value) }.joined(separator: ",") + "}"
            }
        } else {
            parameters = text(row.parameters)
        }
        let line = "{\"id\":\(row.id),\"time\":\(JSONText.quoted(AuditTime.iso(row.timeMilliseconds))),"
            + "\"actor_id\":\(number(row.actorID)),\"actor_name\":\(text(row.actorName)),\"source\":\(text(row.source)),"
            + "\"client_address\":\(text(row.clientAddress)),\"user_agent\":\(text(row.userAgent)),"
            + "\"action\":\(text(row.action)),\"host_id\":\(number(row.hostID)),\"target\":\(text(row.target)),"
            + "\"parameters\":\(parameters),\"outcome\":\(text(row.outcome)),\"http_status\":\(number(row.httpStatus)),"
            + "\"error\":\(text(row.error)),\"duration_ms\":\(number(row.durationMilliseconds)),"
            + "\"prev_hash\":\(text(row.prevHash)),\"hash\":\(text(row.hash))}\n"
        buffer += Array(line.utf8)
    }
}
