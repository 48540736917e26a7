import Testing
import WharfApp

/// When the health checker checks a host: never checked, asked for, or due after the interval,
/// never twice at once; and a check that ran while its host was edited is dropped.
@Suite struct HostHealthTests {
    @Test func claimsDueHostsOnceAndDropsStaleResults() async throws {
        let health = HostHealth()
        let start = ContinuousClock.now
        let interval = Duration.seconds(30)
        #expect(await health.claim([1, 2], interval: interval, now: start) == [1, 2])
        #expect(await health.claim([1, 2], interval: interval, now: start + .seconds(40)) == [], "both still in flight")
        var up = HostStatus()
        up.state = .up
        await health.set(1, up, generation: 0)
        await health.set(2, up, generation: 0)
        #expect(await health.claim([1, 2], interval: interval, now: start + .seconds(10)) == [], "not due yet")
        await health.checkSoon(2)
        #expect(await health.status(2).state == .unknown, "an edited host's old status is gone")
        #expect(await health.claim([1, 2], interval: interval, now: start + .seconds(10)) == [2])
        #expect(await health.claim([1, 2], interval: interval, now: start + .seconds(31)) == [1])

        // A result from before an edit is not stored.
        let before = await health.generation(1)
        await health.checkSoon(1)
        await health.set(1, up, generation: before)
        #expect(await health.status(1).state == .unknown)
        await health.set(1, up, generation: await health.generation(1))
        #expect(await health.status(1).state == .up)

        // Removed hosts are forgotten.
        #expect(await health.claim([2], interval: interval, now: start + .seconds(100)) == [])
        #expect(await health.status(1).state == .unknown)
    }
}
