import Testing
@testable import WharfHTTP

@Suite struct BodyRateAllowanceTests {
    @Test func aClientKeepingTheRateNeverRunsOut() {
        var allowance = BodyRateAllowance(minimumRate: 1000, window: 2)
        for _ in 0..<100 { allowance.record(bytes: 100, waited: 0.1) }
        #expect(allowance.remaining == 2)
    }

    @Test func aClientAtHalfTheRateRunsOutAfterTwiceTheWindow() {
        var allowance = BodyRateAllowance(minimumRate: 1000, window: 2)
        for _ in 0..<39 { allowance.record(bytes: 50, waited: 0.1) }
        #expect(abs((allowance.remaining ?? 0) - 0.05) < 1e-9)
        allowance.record(bytes: 0, waited: 0.05)
        #expect(allowance.remaining == 0)
    }

    @Test func aBurstEarnsAtMostAWindow() {
        var allowance = BodyRateAllowance(minimumRate: 1000, window: 2)
        allowance.record(bytes: 1_000_000, waited: 0)
        #expect(allowance.remaining == 2)
    }

    @Test func aLateServerIsNotTheClientsDebt() {
        // The allowance had 0.5 s; the server's task ran 3 s later and found 400 bytes waiting.
        var allowance = BodyRateAllowance(minimumRate: 1000, window: 2)
        allowance.record(bytes: 0, waited: 1.5)
        allowance.record(bytes: 400, waited: 3)
        #expect(abs((allowance.remaining ?? 0) - 0.4) < 1e-9)
    }

    @Test func noMinimumHasNoAllowance() {
        #expect(BodyRateAllowance(minimumRate: 0, window: 2).remaining == nil)
        #expect(BodyRateAllowance(minimumRate: 1000, window: 0).remaining == nil)
    }
}
