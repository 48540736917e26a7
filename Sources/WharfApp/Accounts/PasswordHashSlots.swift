import Synchronization

/// Bounds the password hashes waiting for the KDF queue, so a flood of sign-ins can neither
/// queue up unbounded work (each scrypt takes 0.4 s and 128 MiB, one at a time) nor keep real
/// users waiting behind it: at most ``Limits/total`` hashes pending at once, and at most
/// ``Limits/perClient`` for one client (a ``ClientKey``). Over either bound the request is answered
/// 429 at once, without hashing; a client from another address waits for at most a couple of
/// another client's hashes.
package final class PasswordHashSlots: Sendable {
    package struct Limits: Sendable {
        package var total = 16
        package var perClient = 2

        package init() {}
    }

    private struct State {
        var total = 0
        var byClient: [String: Int] = [:]
    }

    private let limits: Limits
    private let state = Mutex(State())

    package init(limits: Limits = Limits()) { self.limits = limits }

    /// Takes a slot for `client`; false when the bounds are reached.
    package func enter(_ client: String) -> Bool {
        state.withLock { state in
            let mine = state.byClient[client] ?? 0
            guard state.total < limits.total, mine < limits.perClient else { return false }
            state.total += 1
            state.byClient[client] = mine + 1
            return true
        }
    }

    /// Gives back a slot taken by ``enter(_:)``.
    package func leave(_ client: String) {
        state.withLock { state in
            state.total -= 1
            let mine = (state.byClient[client] ?? 1) - 1
            state.byClient[client] = mine > 0 ? mine : nil
        }
    }
}
