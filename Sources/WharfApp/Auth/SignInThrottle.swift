/// Counts failed sign-ins and says when to stop trying: after 5 failures for one username from
/// one address, or 20 from one address, within 15 minutes. Keyed by (username, address) and by
/// address, never by username alone, so an attacker cannot lock the real admin out from elsewhere.
///
/// In memory: a restart forgets the counts, which costs an attacker a restart they cannot cause.
package actor SignInThrottle {
    package struct Limits: Sendable {
        package var perPair = 5
        package var perAddress = 20
        package var windowMilliseconds: Int64 = 15 * 60 * 1000
        /// Keys kept at most; the oldest are dropped beyond it, bounding memory under a spray.
        package var maximumKeys = 50_000

        package init() {}
    }

    private let limits: Limits
    private let time: TimeSource
    private var pairs: [String: [Int64]] = [:]
    private var addresses: [String: [Int64]] = [:]

    package init(limits: Limits = Limits(), time: TimeSource = .system) {
        self.limits = limits
        self.time = time
    }

    private static func pairKey(_ username: String, _ address: String) -> String {
        username.lowercased() + "\u{0}" + address
    }

    /// Seconds to wait before trying again, or nil when a try is allowed now.
    package func retryAfter(username: String, address: String) -> Int64? {
        let now = time.now()
        var waits: [Int64] = []
        if let wait = wait(in: &pairs, key: Self.pairKey(username, address), limit: limits.perPair, now: now) { waits.append(wait) }
        if let wait = wait(in: &addresses, key: address, limit: limits.perAddress, now: now) { waits.append(wait) }
        return waits.max()
    }

    /// Counts a failure.
    package func recordFailure(username: String, address: String) {
        let now = time.now()
        if pairs.count + addresses.count > limits.maximumKeys { prune(now: now) }
        pairs[Self.pairKey(username, address), default: []].append(now)
        addresses[address, default: []].append(now)
    }

    /// A successful sign-in clears the pair's count (not the address's).
    package func recordSuccess(username: String, address: String) {
        pairs[Self.pairKey(username, address)] = nil
    }

    private func wait(in table: inout [String: [Int64]], key: String, limit: Int, now: Int64) -> Int64? {
        guard var times = table[key] else { return nil }
        times.removeAll { $0 <= now - limits.windowMilliseconds }
        table[key] = times.isEmpty ? nil : times
        guard times.count >= limit else { return nil }
        // Allowed again when the oldest failure that keeps the count at the limit leaves the window.
        let oldest = times[times.count - limit]
        return max(1, (oldest + limits.windowMilliseconds - now + 999) / 1000)
    }

    private func prune(now: Int64) {
        let cutoff = now - limits.windowMilliseconds
        pairs = pairs.filter { $0.value.last.map { $0 > cutoff } ?? false }
        addresses = addresses.filter { $0.value.last.map { $0 > cutoff } ?? false }
        if pairs.count + addresses.count > limits.maximumKeys {
            pairs.removeAll()
        }
    }
}
