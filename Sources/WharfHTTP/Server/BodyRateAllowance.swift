/// How long the server may still wait for a request body's next bytes, so a client must send at
/// least a minimum rate averaged over a window (a leaky bucket of waiting time).
///
/// The allowance starts at `window` seconds. Every second spent waiting for the client uses one;
/// every `minimumRate` bytes received give one back, up to `window`. A client keeping up the rate
/// never runs out; one sending half of it runs out after twice the window; one sending nothing
/// after the window; a burst earns at most a window of silence. Time the handler spends not
/// reading is never counted: that is the server's pace, not the client's.
struct BodyRateAllowance: Sendable {
    private let minimumRate: Int
    private let window: Double
    private var seconds: Double

    /// No minimum when `minimumRate` is 0 or `window` is not positive.
    init(minimumRate: Int, window: Double) {
        self.minimumRate = minimumRate
        self.window = window
        seconds = window
    }

    /// Seconds left before the client is too slow; nil when there is no minimum.
    var remaining: Double? { minimumRate > 0 && window > 0 ? seconds : nil }

    /// Accounts for one wait of `waited` seconds that brought `bytes`.
    ///
    /// The wait uses at most what was left: a wait measured longer than that ended with bytes
    /// that were there when the allowance ran out (the server's task ran late, a busy machine),
    /// and the server's lateness is not the client's debt.
    mutating func record(bytes: Int, waited: Double) {
        guard minimumRate > 0, window > 0 else { return }
        seconds = min(window, max(0, seconds - waited) + Double(bytes) / Double(minimumRate))
    }
}
