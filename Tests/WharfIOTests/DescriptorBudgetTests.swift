import Glibc
import Testing
import WharfIO

@Suite struct DescriptorBudgetTests {
    /// The reserve is an eighth of the limit, never under 4 nor over 256; accepted connections
    /// stop before outgoing ones, which stop before the limit.
    @Test func theReserveGrowsWithTheLimitWithinItsBounds() {
        #expect(DescriptorBudget.reserve(limit: 30) == 4)
        #expect(DescriptorBudget.reserve(limit: 40) == 5)
        #expect(DescriptorBudget.reserve(limit: 1024) == 128)
        #expect(DescriptorBudget.reserve(limit: 65_536) == 256)
        #expect(DescriptorBudget.acceptCeiling < DescriptorBudget.connectCeiling)
        #expect(DescriptorBudget.connectCeiling < DescriptorBudget.limit)
    }

    /// The soft limit was raised to the hard one (the test process starts well below it on
    /// most machines) and is what the budget reports.
    @Test func theLimitIsTheRaisedSoftLimit() {
        let budget = DescriptorBudget.limit
        var current = rlimit()
        #expect(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &current) == 0)
        #expect(Int(clamping: current.rlim_cur) == budget)
        #expect(current.rlim_cur == current.rlim_max)
    }
}
