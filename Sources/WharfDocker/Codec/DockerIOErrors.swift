import WharfIO
import WharfTLS

/// Maps socket-layer failures to ``DockerError``s that name the address and the phase.
enum DockerIOErrors {
    static func map(_ error: any Error, address: String, phase: DockerTimeoutPhase) -> any Error {
        switch error {
        case is DockerError, is CancellationError:
            return error
        case IOError.timedOut:
            return DockerError.timedOut(address: address, phase: phase)
        case IOError.closed:
            return DockerError.connectionLost(address: address, phase: phase, reason: "the connection was closed")
        case let system as SystemError:
            return DockerError.connectionLost(address: address, phase: phase, reason: system.description)
        case let tls as TLSError:
            return DockerError.tls(address: address, underlying: tls)
        default:
            return DockerError.connectionLost(address: address, phase: phase, reason: String(describing: error))
        }
    }
}
