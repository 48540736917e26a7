import Synchronization
package import WharfIO

/// How many lines one kind of event may write to the error log: `burst` per `window`; past that
/// they are counted, and one line says how many were left out when the window ends. A flood of
/// failed TLS handshakes (a scanner, a misconfigured client retrying) then costs a few lines a
/// minute, not one per connection, while a single failure is still logged at once.
package final class LogBudget: Sendable {
    private let burst: Int
    private let window: UInt64
    private let state = Mutex<(start: UInt64, used: Int, leftOut: Int)>((0, 0, 0))

    package init(burst: Int, windowSeconds: Double) {
        self.burst = burst
        window = UInt64(max(0.001, windowSeconds) * 1e9)
    }

    /// Whether this occurrence may be logged; if not, it is counted. A window ends when the next
    /// occurrence comes after it, unless some were left out in it: then ``leftOut(at:)`` (the
    /// server's once-a-second sweep) ends it, so their count is written first.
    package func allow(at now: Deadline = .now) -> Bool {
        state.withLock { s in
            // A window starts with its first occurrence.
            if s.leftOut == 0, s.used == 0 || now.nanoseconds &- s.start >= window {
                s.start = now.nanoseconds
                s.used = 0
            }
            guard s.used < burst else {
                s.leftOut += 1
                return false
            }
            s.used += 1
            return true
        }
    }

    /// Once the window is over: how many were left out in it (nil when none), and a new window.
    package func leftOut(at now: Deadline = .now) -> Int? {
        state.withLock { s in
            guard s.leftOut > 0, now.nanoseconds &- s.start >= window else { return nil }
            defer {
                s.start = now.nanoseconds
                s.used = 0
                s.leftOut = 0
            }
            return s.leftOut
        }
    }
}
