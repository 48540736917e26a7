import Synchronization

/// Failed engine calls made for users (pages, the API), by ``DockerError/metricKind``; the health
/// checker's failures are counted by ``HostHealth``. Both make `wharf_docker_errors_total`.
package final class EngineErrorCounts: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    package init() {}

    func record(_ kind: String) {
        counts.withLock { $0[kind, default: 0] += 1 }
    }

    package var all: [String: Int] { counts.withLock { $0 } }
}
