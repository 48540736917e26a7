import Glibc
import Testing
import WharfIO
import WharfTestSupport

@Suite struct EventLoopTests {
    @Test func timersThatExpireTogetherFireInDeadlineOrderAndCancelledOnesNever() async throws {
        let loop = try EventLoop.start(name: "test-timers")
        let fired = Locked<[Int]>([])
        let done = AsyncSignal()
        let base = Deadline.after(milliseconds: 10)
        @Sendable func at(_ n: Int) -> Deadline { Deadline(nanoseconds: base.nanoseconds + UInt64(n) * 1_000_000) }
        loop.execute {
            var timers: [Int: LoopTimer] = [:]
            for n in [7, 2, 9, 0, 5, 3, 8, 1, 6, 4] {
                timers[n] = loop.schedule(at: at(n)) { fired.withLock { $0.append(n) } }
            }
            for n in [3, 8] { if let timer = timers[n] { loop.cancel(timer) } }
            loop.schedule(at: at(20)) { done.fire() }
            // The subject: the loop thread is busy past every deadline, so all of them expire
            // together and come out of the heap in one go.
            usleep(40_000)
        }
        #expect(await done.wait())
        #expect(fired.value == [0, 1, 2, 4, 5, 6, 7, 9])
        await loop.shutdown()
    }

    @Test func manyTimersFireInOrderNotBeforeTheirDeadlineAndCancelledOnesNever() async throws {
        let loop = try EventLoop.start(name: "test-timer-heap")
        let fired = Locked<[(index: Int, late: Bool)]>([])
        let done = AsyncSignal()
        var generator = SplitMix(seed: 7)
        let start = Deadline.now
        var deadlines: [Deadline] = []
        var timers: [LoopTimer] = []
        for index in 0..<300 {
            let deadline = Deadline(nanoseconds: start.nanoseconds + 5_000_000 + (generator.next() % 60_000) * 1_000 + UInt64(index))
            deadlines.append(deadline)
            timers.append(loop.schedule(at: deadline) {
                fired.withLock { $0.append((index, Deadline.now < deadline)) }
            })
        }
        var cancelled: Set<Int> = []
        for index in stride(from: 0, to: 300, by: 3) {
            loop.cancel(timers[index])
            cancelled.insert(index)
        }
        loop.schedule(at: Deadline(nanoseconds: start.nanoseconds + 80_000_000)) { done.fire() }
        #expect(await done.wait())
        let order = fired.value
        #expect(Set(order.map(\.index)) == Set(0..<300).subtracting(cancelled))
        #expect(order.allSatisfy { !$0.late }, "no timer fires before its deadline")
        let firedDeadlines = order.map { deadlines[$0.index] }
        #expect(firedDeadlines == firedDeadlines.sorted())
        loop.cancel(timers[1])  // already fired: nothing happens
        await loop.shutdown()
    }

    @Test func taskWithTheLoopAsExecutorPreferenceRunsOnTheLoopThread() async throws {
        let loop = try EventLoop.start(name: "test-executor")
        #expect(!loop.inEventLoop)
        let (before, after) = await Task(executorPreference: loop) { () async -> (Bool, Bool) in
            let before = loop.inEventLoop
            try? await Task.sleep(for: .milliseconds(1))
            return (before, loop.inEventLoop)
        }.value
        #expect(before)
        #expect(after, "a suspended task resumes on the loop")
        let child = await Task(executorPreference: loop) {
            await withTaskGroup(of: Bool.self) { group in
                group.addTask { loop.inEventLoop }
                return await group.next() ?? false
            }
        }.value
        #expect(child, "child tasks inherit the preference")
        await loop.shutdown()
    }

    /// A task keeps its loop as preferred executor after the loop has stopped (an unstructured
    /// task inherits the preference from whoever started it): it still runs to the end, on the
    /// global executor, instead of waiting forever in a queue nobody drains.
    @Test func aTaskThatOutlivesItsPreferredLoopStillRuns() async throws {
        let loop = try EventLoop.start(name: "test-gone")
        let (gate, opener) = AsyncStream<Void>.makeStream()
        let task = Task(executorPreference: loop) { () async -> Int in
            for await _ in gate {}
            return 42
        }
        await loop.shutdown()
        opener.finish()
        #expect(await task.value == 42)
    }

    @Test func executeRunsClosuresOnTheLoopThreadInOrder() async throws {
        let loop = try EventLoop.start(name: "test-execute")
        let seen = Locked<[Int]>([])
        let done = AsyncSignal()
        for n in 0..<100 {
            loop.execute {
                seen.withLock { $0.append(loop.inEventLoop ? n : -1) }
                if n == 99 { done.fire() }
            }
        }
        #expect(await done.wait())
        #expect(seen.value == Array(0..<100))
        await loop.shutdown()
    }

    @Test func groupHandsOutLoopsRoundRobin() async throws {
        let group = try EventLoopGroup(loops: 2, name: "test-group")
        let first = group.next(), second = group.next(), third = group.next()
        #expect(first !== second)
        #expect(first === third)
        await group.shutdown()
    }

    /// `--pin-loops`: loop *i* on the *i*-th CPU the process may use, in turn when there are more
    /// loops than CPUs; each loop thread then runs there and nowhere else. Unpinned loops say so.
    @Test func aPinnedGroupPutsEachLoopOnItsOwnAllowedCPUAndTheThreadStaysThere() async throws {
        let allowed = Processors.allowed
        try #require(!allowed.isEmpty)
        #expect(allowed.count == Processors.available)
        let group = try EventLoopGroup(loops: allowed.count + 1, name: "test-pinned", pinned: true)
        #expect(group.loops.map(\.cpu) == (allowed + [allowed[0]]).map(Optional.some))
        for loop in group.loops {
            let seen = Locked<(cpus: [Int], now: Int?)>(([], nil))
            let done = AsyncSignal()
            loop.execute {
                seen.withLock { $0 = (Processors.allowed, Processors.current) }
                done.fire()
            }
            #expect(await done.wait())
            #expect(seen.value.cpus == [loop.cpu].compactMap { $0 }, "the loop thread's own affinity")
            #expect(seen.value.now == loop.cpu)
        }
        await group.shutdown()
        let free = try EventLoopGroup(loops: 2, name: "test-free")
        #expect(free.loops.allSatisfy { $0.cpu == nil })
        await free.shutdown()
    }

    /// A CPU the process may not use (gone from its cpuset, or past the machine's) leaves the
    /// loop thread unpinned instead of failing: the loop runs, and says it is not pinned.
    @Test(arguments: [1000, 5000, -1])
    func aCPUTheProcessMayNotUseLeavesTheLoopUnpinned(cpu: Int) async throws {
        let loop = try EventLoop.start(name: "test-bad-cpu", cpu: cpu)
        #expect(loop.cpu == nil)
        let ran = Locked<[Int]>([])
        let done = AsyncSignal()
        loop.execute {
            ran.withLock { $0 = Processors.allowed }
            done.fire()
        }
        #expect(await done.wait())
        #expect(ran.value == Processors.allowed, "the thread may run wherever the process may")
        await loop.shutdown()
    }

    @Test func shutdownWaitsForTheThreadToEnd() async throws {
        let loop = try EventLoop.start(name: "test-shutdown")
        let ran = AsyncSignal()
        loop.execute { ran.fire() }
        await loop.shutdown()
        #expect(ran.isFired, "work queued before shutdown runs")
    }
}
