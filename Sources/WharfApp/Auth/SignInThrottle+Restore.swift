import WharfWire
import WharfHTTP
package import WharfSQLite

/// Rebuilding the throttle's counts after a restart from the audit log, which already records
/// every failed sign-in (`auth.signin.failed`, with `factor: totp` for codes) and every success
/// (`auth.signin.ok`), so a restart is not a reset button and the throttle needs no table.
extension SignInThrottle {
    /// One recorded sign-in outcome.
    package struct Event: Sendable {
        enum Kind: Sendable {
            case passwordFailed(username: String, client: String)
            case passwordSucceeded(username: String, client: String)
            case secondFactor(userID: Int64, failed: Bool)
        }
        let time: Int64
        let kind: Kind
    }

    /// The sign-in rows of the last hour (the longest window), oldest first.
    package static func recentEvents(now: Int64, limits: Limits = Limits(), on connection: SQLiteConnection) throws -> [Event] {
        let since = now - max(limits.windowMilliseconds, limits.secondFactorForgetMilliseconds)
        var events: [Event] = []
        try connection.queryEach(
            """
            SELECT time_ms, client_address, target, actor_id, action, parameters FROM audit_log
            WHERE time_ms >= ? AND action IN ('auth.signin.failed', 'auth.signin.ok', 'auth.reauth.failed') ORDER BY id
            """, [.integer(since)]
        ) { row in
            let time: Int64 = try row.get("time_ms")
            let client = ClientKey.of(try row.get("client_address", as: String?.self) ?? "")
            let username = try row.get("target", as: String?.self) ?? ""
            let actor = try row.get("actor_id", as: Int64?.self)
            let failed = try row.get("action", as: String.self) != "auth.signin.ok"
            let factor = (try row.get("parameters", as: String?.self)).flatMap(JSONText.stringObject)?["factor"] ?? "password"
            switch (factor, actor) {
            case ("password", _):
                events.append(Event(time: time, kind: failed
                    ? .passwordFailed(username: username, client: client) : .passwordSucceeded(username: username, client: client)))
            case (_, let userID?):
                events.append(Event(time: time, kind: .secondFactor(userID: userID, failed: failed)))
            default:
                break
            }
        }
        return events
    }

    /// Replays `events` (oldest first) into the counts.
    package func restore(_ events: [Event]) {
        for event in events {
            switch event.kind {
            case .passwordFailed(let username, let client):
                count(Self.pairKey(username, client), client, at: event.time)
            case .passwordSucceeded(let username, let client):
                clearPair(Self.pairKey(username, client))
            case .secondFactor(let userID, let failed):
                countSecondFactor(userID: userID, failed: failed, at: event.time)
            }
        }
    }
}
