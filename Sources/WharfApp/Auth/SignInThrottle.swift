/// Counts sign-in attempts and says when to stop: after 5 failures for one username from one
/// client, or 20 from one client, within 15 minutes; and after 5 wrong second-factor codes for
/// one account, with a backoff that doubles from 30 seconds up to 15 minutes.
///
/// - **Reserved before hashing.** ``reserve(username:client:)`` counts the attempt as a failure
///   in the same actor step that checks the limit, before the slow password hash; a success
///   takes it back (``succeeded(_:)``). A burst of concurrent guesses cannot all pass the check.
/// - **Clients** are ``ClientKey``s (IPv6 by /64). Keyed by (username, client) and by client,
///   never by username alone, so an attacker cannot lock the real admin out from elsewhere.
/// - **The second factor** has its own per-account count, which a correct password does not
///   reset (only a correct code does): knowing the password does not buy more code guesses.
/// - **Bounded.** Past ``Limits/maximumKeys`` the keys idle longest are dropped first.
/// - **Restarts** do not reset it: ``restore(_:)`` replays the audit log's recent sign-in rows.
package actor SignInThrottle {
    package struct Limits: Sendable {
        package var perPair = 5
        package var perAddress = 20
        package var windowMilliseconds: Int64 = 15 * 60 * 1000
        /// Keys kept at most; the least recently used go first beyond it, bounding memory under a spray.
        package var maximumKeys = 50_000
        /// Wrong codes allowed before the backoff starts.
        package var secondFactorFree = 5
        package var secondFactorBackoffMilliseconds: Int64 = 30 * 1000
        package var secondFactorMaximumBackoffMilliseconds: Int64 = 15 * 60 * 1000
        /// A count with no failure for this long starts again from zero.
        package var secondFactorForgetMilliseconds: Int64 = 60 * 60 * 1000

        package init() {}
    }

    /// A granted password attempt, already counted as a failure until ``succeeded(_:)``.
    package struct Ticket: Sendable {
        fileprivate let pair: String
        fileprivate let client: String
        fileprivate let time: Int64
    }

    package enum Decision: Sendable {
        case granted(Ticket)
        /// Seconds to wait before the next try.
        case wait(Int64)
    }

    private struct Entry {
        var times: [Int64]
        var used: UInt64
    }

    private struct SecondFactor {
        var failures: Int
        var last: Int64
    }

    private let limits: Limits
    private let time: TimeSource
    private var pairs: [String: Entry] = [:]
    private var clients: [String: Entry] = [:]
    private var secondFactors: [Int64: SecondFactor] = [:]
    /// Orders keys by last use, for pruning (the clock may stand still in tests).
    private var uses: UInt64 = 0

    package init(limits: Limits = Limits(), time: TimeSource = .system) {
        self.limits = limits
        self.time = time
    }

    /// The username as its audit row stores it (cut at 256 bytes), so counts restored from the
    /// audit log use the same keys.
    static func pairKey(_ username: String, _ client: String) -> String {
        AuditText.truncated(username).lowercased() + "\u{0}" + client
    }

    /// Checks the limits for `username` from `client` (a ``ClientKey``) and, when a try is
    /// allowed, counts it in the same step.
    package func reserve(username: String, client: String) -> Decision {
        let now = time.now()
        let pair = Self.pairKey(username, client)
        let waits = [
            wait(&pairs, pair, limit: limits.perPair, now: now),
            wait(&clients, client, limit: limits.perAddress, now: now),
        ].compactMap { $0 }
        if let longest = waits.max() { return .wait(longest) }
        count(pair, client, at: now)
        return .granted(Ticket(pair: pair, client: client, time: now))
    }

    /// The password was right: the attempt is taken back from the client's count and the pair's
    /// count is cleared.
    package func succeeded(_ ticket: Ticket) {
        pairs[ticket.pair] = nil
        if var entry = clients[ticket.client], let index = entry.times.lastIndex(of: ticket.time) {
            entry.times.remove(at: index)
            clients[ticket.client] = entry.times.isEmpty ? nil : entry
        }
    }

    /// Checks the account's second-factor count and, when a code may be tried, counts it.
    /// Returns nil when allowed, else the seconds to wait.
    package func reserveSecondFactor(userID: Int64) -> Int64? {
        let now = time.now()
        var state = secondFactors[userID] ?? SecondFactor(failures: 0, last: now)
        if now - state.last >= limits.secondFactorForgetMilliseconds { state.failures = 0 }
        if state.failures >= limits.secondFactorFree {
            let allowedAt = state.last + backoff(failures: state.failures)
            if now < allowedAt { return max(1, (allowedAt - now + 999) / 1000) }
        }
        state.failures += 1
        state.last = now
        secondFactors[userID] = state
        return nil
    }

    /// A right code: the account's second-factor count starts again.
    package func secondFactorSucceeded(userID: Int64) {
        secondFactors[userID] = nil
    }

    private func backoff(failures: Int) -> Int64 {
        let doublings = min(failures - limits.secondFactorFree, 20)
        return min(limits.secondFactorMaximumBackoffMilliseconds, limits.secondFactorBackoffMilliseconds << Int64(doublings))
    }

    /// Counts a password failure at `time` (used when restoring from the audit log).
    func count(_ pair: String, _ client: String, at time: Int64) {
        if pairs.count + clients.count + 2 > limits.maximumKeys { prune(now: self.time.now()) }
        uses += 1
        pairs[pair, default: Entry(times: [], used: 0)].times.append(time)
        pairs[pair]?.used = uses
        clients[client, default: Entry(times: [], used: 0)].times.append(time)
        clients[client]?.used = uses
    }

    /// Counts a second-factor failure at `time`, or a success (used when restoring).
    func countSecondFactor(userID: Int64, failed: Bool, at time: Int64) {
        guard failed else {
            secondFactors[userID] = nil
            return
        }
        var state = secondFactors[userID] ?? SecondFactor(failures: 0, last: time)
        if time - state.last >= limits.secondFactorForgetMilliseconds { state.failures = 0 }
        state.failures += 1
        state.last = time
        secondFactors[userID] = state
    }

    func clearPair(_ pair: String) { pairs[pair] = nil }

    private func wait(_ table: inout [String: Entry], _ key: String, limit: Int, now: Int64) -> Int64? {
        guard var entry = table[key] else { return nil }
        entry.times.removeAll { $0 <= now - limits.windowMilliseconds }
        table[key] = entry.times.isEmpty ? nil : entry
        guard entry.times.count >= limit else { return nil }
        // Allowed again when the oldest failure that keeps the count at the limit leaves the window.
        let oldest = entry.times[entry.times.count - limit]
        return max(1, (oldest + limits.windowMilliseconds - now + 999) / 1000)
    }

    /// Drops expired counts, then, if the table is still over 90% of its bound, the keys used
    /// least recently until it is not: never everything, and never the newest.
    private func prune(now: Int64) {
        let cutoff = now - limits.windowMilliseconds
        pairs = pairs.filter { $0.value.times.last.map { $0 > cutoff } ?? false }
        clients = clients.filter { $0.value.times.last.map { $0 > cutoff } ?? false }
        let target = limits.maximumKeys * 9 / 10
        let excess = pairs.count + clients.count - target
        guard excess > 0 else { return }
        let oldest = (pairs.map { ($0.value.used, true, $0.key) } + clients.map { ($0.value.used, false, $0.key) })
            .sorted { $0.0 < $1.0 }.prefix(excess)
        for (_, isPair, key) in oldest {
            if isPair { pairs[key] = nil } else { clients[key] = nil }
        }
    }
}
