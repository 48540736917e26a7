import CShims
import Glibc
import Synchronization

/// One thread running `epoll_wait(2)`, the readiness of the descriptors registered with it, its
/// timers, and a queue of jobs: it is also a Swift `TaskExecutor`.
///
/// A task started with `Task(executorPreference: loop)` runs on the loop's own thread, so a request
/// can be read, parsed, routed, answered and written without hopping threads: the edge that makes
/// a socket readable resumes the waiting task, and the loop runs it before it sleeps again.
///
/// Everything another thread may touch (jobs, closures, timers, the registration table) sits behind
/// one `Mutex`; waits and timers may therefore be used from any task, on any thread.
package final class EventLoop: TaskExecutor, @unchecked Sendable {
    package let name: String
    private let epollFD: Int32
    private let wakeFD: Int32
    private let state = Mutex(State())
    /// `pthread_self()` of the loop thread, 0 before it starts.
    private let threadID = Atomic<UInt>(0)
    /// The CPU the loop thread is pinned to, -1 when it may run on any.
    private let pinnedCPU = Atomic<Int>(-1)
    private let finished = Mutex<[UnsafeContinuation<Void, Never>]?>([])

    private struct State {
        var jobs: [UnownedJob] = []
        var closures: [@Sendable () -> Void] = []
        var timers = TimerHeap()
        var registrations: [UInt64: Readiness] = [:]
        var nextToken: UInt64 = 1
        var sleeping = false
        var wakePending = false
        var stopping = false
        /// The loop thread has left its loop: jobs go to the global executor from now on.
        var stopped = false
    }

    /// Starts a loop on a new thread, pinned to `cpu` when one is given (and the process may run
    /// there; else the thread may run on any CPU, and ``cpu`` says so).
    /// - Throws: ``SystemError`` when `epoll_create1`, `eventfd` or `pthread_create` fail.
    package static func start(name: String = "wharf-loop", cpu: Int? = nil) throws -> EventLoop {
        let loop = try EventLoop(name: name)
        try loop.spawnThread(cpu: cpu)
        return loop
    }

    /// The CPU the loop thread is pinned to; nil when it may run on any.
    package var cpu: Int? {
        let cpu = pinnedCPU.load(ordering: .relaxed)
        return cpu < 0 ? nil : cpu
    }

    private init(name: String) throws {
        self.name = name
        epollFD = try syscallBlocking("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        do {
            wakeFD = try syscallBlocking("eventfd") { eventfd(0, cshims_efd_flags()) }
        } catch {
            Glibc.close(epollFD)
            throw error
        }
        _ = try syscallBlocking("epoll_ctl") {
            cshims_epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, cshims_epollin() | cshims_epollet(), 0)
        }
    }

    deinit {
        Glibc.close(wakeFD)
        Glibc.close(epollFD)
    }

    /// Whether the caller runs on this loop's thread.
    package var inEventLoop: Bool { threadID.load(ordering: .relaxed) == UInt(pthread_self()) }

    // MARK: Registration

    /// Registers a non-blocking descriptor for edge-triggered readiness.
    package func register(fd: Int32) throws(SystemError) -> Readiness {
        let readiness = state.withLock { s in
            let token = s.nextToken
            s.nextToken += 1
            let readiness = Readiness(fd: fd, token: token, loop: self)
            s.registrations[token] = readiness
            return readiness
        }
        let events = cshims_epollin() | cshims_epollout() | cshims_epollrdhup() | cshims_epollet()
        do {
            _ = try syscallBlocking("epoll_ctl(ADD)") {
                cshims_epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, events, readiness.token)
            }
        } catch {
            _ = state.withLock { $0.registrations.removeValue(forKey: readiness.token) }
            throw error
        }
        return readiness
    }

    /// Forgets a registration and fails its waiters. The kernel drops the epoll entry itself when
    /// the descriptor is closed (we never `dup` registered descriptors), so no `epoll_ctl(DEL)` is spent.
    package func deregister(_ readiness: Readiness) {
        _ = state.withLock { $0.registrations.removeValue(forKey: readiness.token) }
        readiness.markClosed()
    }

    /// The number of registered descriptors (for tests and metrics).
    package var registrationCount: Int { state.withLock { $0.registrations.count } }

    // MARK: Timers and closures

    /// Runs `action` on the loop thread at `deadline` unless cancelled first.
    @discardableResult
    package func schedule(at deadline: Deadline, _ action: @escaping @Sendable () -> Void) -> LoopTimer {
        let timer = LoopTimer(deadline: deadline, action: action)
        let wake = state.withLock { s -> Bool in
            let earliest = s.timers.earliest
            s.timers.insert(timer)
            return (earliest.map { deadline < $0 } ?? true) && needsWake(&s)
        }
        if wake { signalWake() }
        return timer
    }

    /// Cancels a timer; a no-op when it already fired.
    package func cancel(_ timer: LoopTimer) {
        _ = state.withLock { $0.timers.remove(timer) }
    }

    /// Runs `closure` on the loop thread, soon.
    package func execute(_ closure: @escaping @Sendable () -> Void) {
        let wake = state.withLock { s in
            s.closures.append(closure)
            return needsWake(&s)
        }
        if wake { signalWake() }
    }

    // MARK: TaskExecutor

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let (accepted, wake) = state.withLock { s -> (Bool, Bool) in
            if s.stopped { return (false, false) }
            s.jobs.append(job)
            return (true, needsWake(&s))
        }
        if !accepted {
            // A task that prefers this loop outlived it (an unstructured task inherits the
            // preference): it runs on the global executor rather than never.
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
            return
        }
        if wake { signalWake() }
    }

    /// Whether a producer must write the eventfd: only when the loop sleeps and nobody did yet.
    private func needsWake(_ s: inout State) -> Bool {
        guard s.sleeping, !s.wakePending else { return false }
        s.wakePending = true
        return true
    }

    private func signalWake() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { Glibc.write(wakeFD, $0.baseAddress, 8) }
    }

    // MARK: Shutdown

    /// Stops the loop after it drains its queue, and waits for the thread to end.
    package func shutdown() async {
        let wake = state.withLock { s in
            s.stopping = true
            return needsWake(&s)
        }
        if wake { signalWake() }
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let done = finished.withLock { waiters -> Bool in
                guard waiters != nil else { return true }
                waiters?.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    // MARK: The thread

    private func spawnThread(cpu: Int?) throws {
        if let cpu {
            var attributes = pthread_attr_t()
            guard pthread_attr_init(&attributes) == 0 else { return try spawnThread(cpu: nil) }
            defer { pthread_attr_destroy(&attributes) }
            // A CPU the process may not use (a cpuset changed meanwhile) leaves the thread free.
            if cshims_attr_pin_cpu(&attributes, Int32(clamping: cpu)) == 0, createThread(&attributes) == 0 {
                pinnedCPU.store(cpu, ordering: .relaxed)
                return
            }
        }
        let status = createThread(nil)
        guard status == 0 else { throw SystemError(code: status, operation: "pthread_create") }
    }

    /// Starts the loop thread (detached); returns `pthread_create`'s status.
    private func createThread(_ attributes: UnsafePointer<pthread_attr_t>?) -> Int32 {
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let status = pthread_create(&thread, attributes, { raw in
            guard let raw else { return nil }
            let loop = Unmanaged<EventLoop>.fromOpaque(raw).takeRetainedValue()
            loop.run()
            return nil
        }, box.toOpaque())
        guard status == 0 else {
            box.release()
            return status
        }
        pthread_detach(thread)
        return 0
    }

    private func run() {
        threadID.store(UInt(pthread_self()), ordering: .relaxed)
        _ = cshims_set_thread_name(name)
        let capacity = 256
        let events = UnsafeMutablePointer<cshims_epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        var ready: [(Readiness, UInt32)] = []
        ready.reserveCapacity(capacity)
        var spareClosures: [@Sendable () -> Void] = []
        var spareJobs: [UnownedJob] = []

        while true {
            // Sleep until an event, the next timer, or a wake-up; never when work is queued.
            let timeout: Int32? = state.withLock { s in
                if !s.jobs.isEmpty || !s.closures.isEmpty { return 0 }
                if s.stopping {
                    s.stopped = true
                    return nil
                }
                s.sleeping = true
                guard let earliest = s.timers.earliest else { return -1 }
                let remaining = earliest.remaining
                return Int32(clamping: (remaining + 999_999) / 1_000_000)
            }
            guard let timeout else { break }
            let count = cshims_epoll_wait(epollFD, events, Int32(capacity), timeout)

            // Look up every registration under one lock; take the expired timers and queued work.
            ready.removeAll(keepingCapacity: true)
            let expired = state.withLock { s -> [LoopTimer] in
                s.sleeping = false
                if count > 0 {
                    for index in 0..<Int(count) {
                        let event = events[index]
                        if event.data == 0 {
                            s.wakePending = false
                            var sink: UInt64 = 0
                            _ = Glibc.read(wakeFD, &sink, 8)
                        } else if let readiness = s.registrations[event.data] {
                            ready.append((readiness, event.events))
                        }
                    }
                }
                return s.timers.isEmpty ? [] : s.timers.popExpired(now: .now)
            }
            for (readiness, mask) in ready {
                readiness.handle(
                    readable: mask & cshims_epollin() != 0,
                    writable: mask & cshims_epollout() != 0,
                    readEnded: mask & cshims_epollrdhup() != 0,
                    hungUp: mask & (cshims_epollhup() | cshims_epollerr()) != 0)
            }
            for timer in expired { timer.action() }
            runQueuedWork(&spareClosures, &spareJobs)
        }

        threadID.store(0, ordering: .relaxed)
        let waiters = finished.withLock { waiters in
            defer { waiters = nil }
            return waiters ?? []
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Runs queued closures and jobs; a few rounds so work that enqueues work completes without
    /// another `epoll_wait`, but bounded so sockets are not starved. The queues are swapped with
    /// spare arrays kept by the loop thread, so a round allocates nothing.
    private func runQueuedWork(_ spareClosures: inout [@Sendable () -> Void], _ spareJobs: inout [UnownedJob]) {
        let executor = asUnownedTaskExecutor()
        for _ in 0..<4 {
            let empty = state.withLock { s -> Bool in
                swap(&s.closures, &spareClosures)
                swap(&s.jobs, &spareJobs)
                return spareClosures.isEmpty && spareJobs.isEmpty
            }
            if empty { return }
            for closure in spareClosures { closure() }
            spareClosures.removeAll(keepingCapacity: true)
            for job in spareJobs { job.runSynchronously(on: executor) }
            spareJobs.removeAll(keepingCapacity: true)
        }
    }
}
