import Foundation
import Glibc
import Testing
import WharfIO
import WharfTestSupport

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

    /// A connect whose descriptor lands at or past the ceiling fails with `EMFILE` before it
    /// reaches the peer, and leaves no descriptor open; below the ceiling it connects.
    @Test func aConnectPastTheCeilingFailsAndKeepsNoDescriptor() async throws {
        let loop = try EventLoop.start(name: "test-budget")
        let listener = try Socket.listen(on: try SocketAddress(ip: "127.0.0.1", port: 0), loop: loop)
        defer { listener.close() }
        let address = try listener.localAddress()
        let open = Self.openDescriptors()
        let error = await #expect(throws: SystemError.self) {
            _ = try await Socket.connect(to: address, loop: loop, deadline: .after(seconds: 5), descriptorCeiling: 0)
        }
        #expect(error?.code == EMFILE)
        // Other tests open and close descriptors meanwhile: a thousand refusals that each kept
        // one would show however they move.
        for _ in 0..<1000 {
            _ = try? await Socket.connect(to: address, loop: loop, deadline: .after(seconds: 5), descriptorCeiling: 0)
        }
        #expect(Self.openDescriptors() - open < 200)
        #expect(try listener.accept() == nil, "the refused connect never reached the listener")
        let socket = try await Socket.connect(to: address, loop: loop, deadline: .after(seconds: 5))
        socket.close()
    }

    static func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }
}
