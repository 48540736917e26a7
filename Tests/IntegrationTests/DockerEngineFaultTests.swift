import Testing
import WharfDocker
import WharfIO
import WharfTestSupport

/// A real engine (A) that dies or freezes in the middle of an answer, through a link the test
/// controls: the client reports it with the phase, never ends a cut stream as if it were complete,
/// and a later request gets a fresh connection.
@Suite struct DockerEngineFaultTests {
    /// A container whose filesystem export (about a megabyte: busybox) is the long answer.
    static func withExportableContainer(_ body: (String) async throws -> Void) async throws {
        try await Fleet.withContainer(try Fleet.engineA(), ["true"]) { id in try await body(id) }
    }

    @Test func engineDyingMidResponseIsReportedNotTakenForTheEnd() async throws {
        try await Self.withExportableContainer { id in
            // The head and a little of the tar pass, then the connection drops.
            let link = try EngineLink(engine: try Fleet.variable("WHARF_TEST_ENGINE_A"), fault: .cutAfter(64 * 1024))
            let client = try Fleet.client(link.url)
            var received = 0
            do {
                for try await chunk in try await client.exportContainer(id) { received += chunk.count }
                Issue.record("the cut stream ended as if complete after \(received) bytes")
            } catch let error as DockerError {
                guard case .connectionLost(let address, _, _) = error else {
                    Issue.record("unexpected \(error)")
                    await link.close()
                    return
                }
                #expect(address == link.url)
                #expect(error.description.contains(link.url), "\(error)")
            }
            #expect(received > 0 && received < 64 * 1024)

            // Once the engine answers whole again, the same client works: the cut connection was
            // discarded, not returned to the pool.
            link.set(.none)
            #expect(try await client.ping().apiVersion != nil)
            #expect(try await client.info().containers >= 0)
            await link.close()
        }
    }

    @Test func engineFreezingMidResponseTimesOutInTheBodyPhase() async throws {
        try await Self.withExportableContainer { id in
            let link = try EngineLink(engine: try Fleet.variable("WHARF_TEST_ENGINE_A"), fault: .stallAfter(32 * 1024))
            var timeouts = DockerTimeouts()
            timeouts.bodyIdle = 0.5
            let client = try Fleet.client(link.url, timeouts: timeouts)
            let started = ContinuousClock.now
            do {
                for try await _ in try await client.exportContainer(id) {}
                Issue.record("the frozen stream ended")
            } catch let error as DockerError {
                guard case .timedOut(let address, .bodyIdle) = error else {
                    Issue.record("unexpected \(error)")
                    await link.close()
                    return
                }
                #expect(address == link.url)
            }
            #expect(ContinuousClock.now - started < .seconds(10), "the idle timeout, not a hang, ended the read")
            await link.close()
        }
    }
}
