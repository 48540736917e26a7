import Testing
import WharfDocker
import WharfIO
import WharfTestSupport

/// Engines that are not there, or do not answer: errors that name the address and the phase.
@Suite struct DockerFailureTests {
    @Test func closedPortIsUnreachableWithTheAddress() async throws {
        _ = try Fleet.variable("WHARF_TEST_ENGINE_A")
        let listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: Fleet.group.next())
        let port = try listener.localAddress().port ?? 0
        listener.close()
        let client = try Fleet.client("tcp://127.0.0.1:\(port)")
        do {
            _ = try await client.info()
            Issue.record("no error")
        } catch let error as DockerError {
            guard case .unreachable(let address, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(address == "tcp://127.0.0.1:\(port)")
            #expect(error.description.contains("Cannot reach the Docker engine at tcp://127.0.0.1:\(port): connection refused"))
        }
    }

    @Test func engineThatAcceptsButNeverAnswersTimesOutNamingThePhase() async throws {
        _ = try Fleet.variable("WHARF_TEST_ENGINE_A")
        let loop = Fleet.group.next()
        let listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: loop)
        let port = try listener.localAddress().port ?? 0
        // Accept connections and hold them, silent, until the test ends.
        let held = Locked<[Socket]>([])
        let acceptor = Task {
            while !Task.isCancelled {
                guard let (fd, _) = try listener.accept() else {
                    try await listener.readiness.wait(.read)
                    continue
                }
                let socket = try Socket(adopting: fd, loop: loop)
                held.withLock { $0.append(socket) }
            }
        }
        defer {
            acceptor.cancel()
            listener.close()
            for socket in held.value { socket.close() }
        }
        var timeouts = DockerTimeouts()
        timeouts.responseHead = 0.5
        let client = try Fleet.client("tcp://127.0.0.1:\(port)", timeouts: timeouts)
        let started = ContinuousClock.now
        do {
            _ = try await client.listContainers()
            Issue.record("no error")
        } catch let error as DockerError {
            guard case .timedOut(let address, .responseHead) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(address == "tcp://127.0.0.1:\(port)")
            #expect(error.description.contains("waiting for the response head"))
        }
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test func missingSocketFileIsUnreachable() async throws {
        let socket = try Fleet.variable("WHARF_TEST_ENGINE_A") + ".missing"
        let client = try Fleet.client(socket)
        await #expect { try await client.ping() } throws: { error in
            guard case DockerError.unreachable(let address, let reason) = error else { return false }
            return address == socket && reason.contains("no such file")
        }
    }
}
