package import WharfSQLite

/// Audits denials that strangers can cause in floods (throttled and busy sign-ins, unknown API
/// tokens, CSRF refusals and API requests without credentials) without letting them fill the
/// history: the first denial of a kind from a client (a ``ClientKey``) in a minute is written at
/// once; the ones after it in that minute are only counted, and when the minute is over one row
/// says how many (`repeated`, with the last one's details). So a flood from one address costs
/// at most two rows a minute per kind. Decisions about signed-in users do not come here: each of
/// those has its own row.
///
/// The minute's count is written by ``flush(all:)``, which the server calls every minute and at
/// shutdown, or by the next denial after the minute. At most ``maximumKeys`` windows are held;
/// past that the oldest are written and dropped.
package actor DenialAudit {
    package static let windowMilliseconds: Int64 = 60_000

    private struct Window {
        var start: Int64
        var repeated: Int
        var last: AuditEntry
    }

    private let database: Database
    private let time: TimeSource
    private let maximumKeys: Int
    private var windows: [String: Window] = [:]

    package init(database: Database, time: TimeSource, maximumKeys: Int = 10_000) {
        self.database = database
        self.time = time
        self.maximumKeys = maximumKeys
    }

    /// Audits `entry`, a denial, as described above.
    package func record(_ entry: AuditEntry) async throws {
        let now = time.now()
        let key = entry.action + "\u{0}" + ClientKey.of(entry.clientAddress ?? "")
        var rows: [AuditEntry] = []
        if var window = windows[key] {
            if now - window.start < Self.windowMilliseconds {
                window.repeated += 1
                window.last = entry
                windows[key] = window
                return
            }
            if window.repeated > 0 { rows.append(summary(window, now: now)) }
        }
        windows[key] = Window(start: now, repeated: 0, last: entry)
        if windows.count > maximumKeys { rows += evict(windows.count - maximumKeys * 9 / 10, now: now) }
        rows.append(entry)
        try await write(rows)
    }

    /// Writes the count of every window that has ended (of every window, when `all`), and
    /// forgets them.
    package func flush(all: Bool = false) async throws {
        let now = time.now()
        var rows: [AuditEntry] = []
        for (key, window) in windows where all || now - window.start >= Self.windowMilliseconds {
            if window.repeated > 0 { rows.append(summary(window, now: now)) }
            windows[key] = nil
        }
        try await write(rows)
    }

    /// The row for a window's repeats: the last denial's details and how many were not written.
    private func summary(_ window: Window, now: Int64) -> AuditEntry {
        var entry = window.last
        entry.parameters["repeated"] = String(window.repeated)
        entry.parameters["window_s"] = String(Self.windowMilliseconds / 1000)
        return entry
    }

    private func evict(_ count: Int, now: Int64) -> [AuditEntry] {
        let oldest = windows.sorted { $0.value.start < $1.value.start }.prefix(count)
        var rows: [AuditEntry] = []
        for (key, window) in oldest {
            if window.repeated > 0 { rows.append(summary(window, now: now)) }
            windows[key] = nil
        }
        return rows
    }

    private func write(_ rows: [AuditEntry]) async throws {
        guard !rows.isEmpty else { return }
        try await database.write { connection in
            for row in rows { try AuditLog.append(row, on: connection) }
        }
    }
}
