import Synchronization
import WharfIO

/// Open connections per client (``ClientAddressKey``: an IPv4 address, an IPv6 /64), for
/// ``HTTPLimits/maxConnectionsPerAddress``. Shared by every loop of a server: a count per loop
/// would multiply the cap by the loops. Touched once per accept and once per close, never per
/// request.
final class AddressConnectionCounts: Sendable {
    private let limit: Int
    private let exemptLoopback: Bool
    private let counts = Mutex<[ClientAddressKey: Int]>([:])

    init(limits: HTTPLimits) {
        limit = limits.maxConnectionsPerAddress
        exemptLoopback = limits.loopbackExemptFromAddressLimit
    }

    /// The key `peer` is counted under; nil when it is not counted (a Unix socket, or loopback
    /// when exempt).
    func key(for peer: SocketAddress) -> ClientAddressKey? {
        if exemptLoopback, peer.isLoopback { return nil }
        return peer.clientKey
    }

    /// Counts one more connection from `key`; false, counting nothing, when it already has the
    /// most allowed.
    func admit(_ key: ClientAddressKey) -> Bool {
        counts.withLock { counts in
            let open = counts[key, default: 0]
            guard open < limit else { return false }
            counts[key] = open + 1
            return true
        }
    }

    /// Counts a connection from `key` closed.
    func release(_ key: ClientAddressKey) {
        counts.withLock { counts in
            let open = (counts[key] ?? 1) - 1
            counts[key] = open > 0 ? open : nil
        }
    }

    /// Open connections from `key` (tests).
    func count(_ key: ClientAddressKey) -> Int { counts.withLock { $0[key] ?? 0 } }
}
