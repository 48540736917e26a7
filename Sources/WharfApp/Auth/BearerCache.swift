import Synchronization
import WharfSQLite

/// What the last reads of bearer tokens found (the token, its user, and the host the route
/// named with the caller's grant on it), kept only while nothing at all has been written to the
/// database since (``DatabaseChanges``): a revoked or expired token, a disabled user, a removed
/// grant or host, all written by this process or by a `wharf` subcommand, are seen by the very
/// next request, as with a read. A docker CLI command makes several calls in a row; all but the
/// first then cost no trip to a reader.
///
/// Only tokens that were accepted are kept, keyed by the token's hash (never the secret), and
/// expiry is still checked on every use. At most ``limit`` answers, each for at most
/// ``lifetime``; the whole cache is dropped when it is full or anything changes.
final class BearerCache: Sendable {
    struct Answer: Sendable {
        let token: APIToken
        let user: User
        let host: HostGrantRead?
    }

    private struct State {
        var stamp: UInt64 = 0
        var answers: [String: (answer: Answer, until: ContinuousClock.Instant)] = [:]
    }

    static let limit = 1024
    private let changes: DatabaseChanges
    /// How long an answer is kept at most, whatever the stamp says (``DatabaseChanges``).
    private let lifetime: Duration
    private let state = Mutex(State())

    init(changes: DatabaseChanges, lifetime: Duration = .seconds(2)) {
        self.changes = changes
        self.lifetime = lifetime
    }

    /// The key of a token (by its hash) on a route naming `host` (nil: none), for the endpoint or not.
    static func key(tokenHash: String, host: String?, endpoint: Bool) -> String {
        tokenHash + (host.map { "\u{0}" + $0 } ?? "") + (endpoint ? "\u{0}e" : "")
    }

    /// What was read for `key` while nothing has changed since, with the stamp to store a new
    /// answer under; a nil stamp means nothing may be stored (a commit may be becoming visible:
    /// ``DatabaseChanges/Look/changed``).
    func lookup(_ key: String) -> (answer: Answer?, stamp: UInt64?) {
        guard let look = changes.look() else { return (nil, nil) }
        let answer = state.withLock { state -> Answer? in
            if state.stamp != look.stamp {
                state.stamp = look.stamp
                state.answers.removeAll()
            }
            guard let kept = state.answers[key] else { return nil }
            guard ContinuousClock.now < kept.until else {
                state.answers[key] = nil
                return nil
            }
            return kept.answer
        }
        return (answer, look.changed ? nil : look.stamp)
    }

    /// Keeps `answer`, read after `stamp` was taken, unless something changed since (or the key,
    /// which holds the client's `:host`, is longer than any real one).
    func store(_ answer: Answer, for key: String, stamp: UInt64) {
        guard key.utf8.count <= 512 else { return }
        state.withLock { state in
            guard state.stamp == stamp else { return }
            if state.answers.count >= Self.limit { state.answers.removeAll() }
            state.answers[key] = (answer, ContinuousClock.now + lifetime)
        }
    }
}
