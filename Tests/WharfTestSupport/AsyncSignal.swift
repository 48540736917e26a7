import Dispatch
import Synchronization

/// A one-shot event that tasks can await with a timeout: a handler fires it ("I started",
/// "I was cancelled"), the test waits for it. No sleeping and hoping.
///
/// The timeout runs on a dispatch queue, so a waiter is resumed even when the cooperative pool is busy.
package final class AsyncSignal: Sendable {
    private struct State {
        var fired = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    /// Fires the signal, resuming every waiter. Later calls do nothing.
    package func fire() {
        let waiters = state.withLock { s -> [CheckedContinuation<Bool, Never>] in
            if s.fired { return [] }
            s.fired = true
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    package var isFired: Bool { state.withLock { $0.fired } }

    /// Whether the signal fires within `timeout` seconds (true at once when it already has).
    package func wait(timeout: Double = 5) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let id = state.withLock { s -> UInt64? in
                if s.fired { return nil }
                s.nextID += 1
                s.waiters[s.nextID] = continuation
                return s.nextID
            }
            guard let id else {
                continuation.resume(returning: true)
                return
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [self] in
                let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.resume(returning: false)
            }
        }
    }
}

/// An object that fires a signal when it is deinitialized: hand it to code that should release
/// it, and wait for the signal.
package final class DeinitProbe: Sendable {
    package let released: AsyncSignal

    package init(_ released: AsyncSignal) { self.released = released }

    deinit { released.fire() }
}

/// Polls `condition` every few milliseconds until it holds or `timeout` seconds pass; returns
/// whether it held. For state that has no signal to wait on (a connection count).
package func eventually(timeout: Double = 5, _ condition: () async -> Bool) async -> Bool {
    let deadline = TestClock.after(timeout)
    while true {
        if await condition() { return true }
        if TestClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(5))
    }
}
