import Synchronization
import WharfHTTP
package import WharfIO
package import WharfSQLite
import WharfWire

/// Runs jobs on the server: each in its own task, owned by the server and not by the request that
/// started it (closing the tab changes nothing). Started, cancelled and ended jobs are audited
/// (`image.<kind>` when started, `job.cancel`, `job.end`).
///
/// - **Cancel** cancels the job's task: the engine request it is reading is closed, and the engine
///   stops the build or pull. The job ends `cancelled`.
/// - **Shutdown** (``shutdown()``) does the same to every job, which ends `interrupted`; jobs a
///   crash left `running` are marked `interrupted` at the next start (``recover(now:)``).
package final class JobRunner: Sendable {
    /// Why a running job is being stopped.
    enum StopReason: Sendable, Equatable {
        case cancelled(by: String)
        case shutdown
    }

    private struct Running {
        let output: JobOutput
        var task: Task<Void, Never>?
        var stop: StopReason?
    }

    let database: Database
    /// The loops jobs run on: a job's reads of an upload and its writes to the engine then happen
    /// on the loop that watches both sockets, without a hop to another thread per chunk.
    let group: EventLoopGroup?
    let outputLimits: JobOutput.Limits
    let retention: JobRetention
    private let log: @Sendable (String) -> Void
    private let state = Mutex<(running: [Int64: Running], stopping: Bool)>(([:], false))

    package convenience init(database: Database, group: EventLoopGroup? = nil, log: @escaping @Sendable (String) -> Void) {
        self.init(database: database, group: group, outputLimits: JobOutput.Limits(), log: log)
    }

    init(database: Database, group: EventLoopGroup? = nil, outputLimits: JobOutput.Limits, log: @escaping @Sendable (String) -> Void) {
        self.database = database
        self.group = group
        self.outputLimits = outputLimits
        self.retention = JobRetention(database: database)
        self.log = log
    }

    /// Starts a job: its row and the audit row `action` commit together, then `work` runs in a
    /// task of its own. - Throws: 503 while Wharf is stopping.
    func start(
        kind: JobKind, target: String, parameters: [String: String], action: String, scope: HostScope,
        context: RequestContext, upload: UploadGate? = nil, work: @escaping @Sendable (JobRun) async throws -> JobOutcome
    ) async throws -> Job {
        if state.withLock({ $0.stopping }) {
            throw HTTPError(.serviceUnavailable, "Wharf is stopping; start the job again once it is back.", headers: ["Retry-After": "5"])
        }
        let actor = context.auditActor
        let new = JobRepository.NewJob(
            hostID: scope.host.id, hostName: scope.host.name, userID: actor.actorID, userName: actor.actorName, kind: kind,
            target: target, parameters: parameters)
        let now = AuditEntry.now()
        let job = try await database.write { connection -> Job in
            let id = try JobRepository.insert(new, now: now, on: connection)
            var entry = actor.entry(
                action, target: "\(target) (job \(id))", parameters: parameters.merging(["job": String(id)]) { $1 }, httpStatus: 202)
            entry.hostID = scope.host.id
            try AuditLog.append(entry, on: connection)
            guard let job = try JobRepository.find(id, on: connection) else {
                throw SQLiteError(code: .error, message: "job \(id) vanished after its insert")
            }
            return job
        }
        let output = JobOutput(jobID: job.id, database: database, limits: outputLimits, log: log)
        state.withLock { $0.running[job.id] = Running(output: output) }
        let run = JobRun(job: job, scope: scope, output: output, upload: upload)
        let task = Task(executorPreference: group?.next()) { await self.execute(run, actor: actor, work: work) }
        state.withLock { $0.running[job.id]?.task = task }
        return job
    }

    private func execute(_ run: JobRun, actor: AuditActor, work: @escaping @Sendable (JobRun) async throws -> JobOutcome) async {
        let flusher = Task { await run.output.runFlusher() }
        var status = JobStatus.succeeded
        var message: String?
        var outcome: JobOutcome?
        var failure: (any Error)?
        do {
            outcome = try await work(run)
        } catch {
            failure = error
            switch state.withLock({ $0.running[run.job.id]?.stop }) {
            case .cancelled(let name):
                status = .cancelled
                message = "Cancelled by \(name)."
            case .shutdown:
                status = .interrupted
                message = JobRunner.interruptedMessage
            case nil:
                status = .failed
                message = JobRunner.describe(error)
            }
            await run.output.append(.error, message ?? "")
        }
        if let outcome, outcome.imageId != nil || !outcome.tags.isEmpty { await run.emit(.result, outcome) }
        let finishedStatus = status
        let finishedMessage = message
        let imageID = outcome?.imageId
        let job = run.job
        await run.output.finish(JobEnd(status: status.rawValue, message: message)) { connection in
            let now = AuditEntry.now()
            try JobRepository.finish(job.id, status: finishedStatus, message: finishedMessage, imageID: imageID, now: now, on: connection)
            try AuditLog.append(Self.endEntry(job, actor: actor, status: finishedStatus, message: finishedMessage, now: now), on: connection)
        }
        await flusher.value
        state.withLock { _ = $0.running.removeValue(forKey: job.id) }
        // A request waiting for the engine to take its upload answers once the job's end is
        // stored, so a client that then asks for the job finds how it ended.
        run.upload?.open(failure.map { .failure($0) } ?? .success(()))
        do {
            try await retention.pruneIfNeeded()
        } catch {
            log("jobs: output not pruned: \(error)")
        }
    }

    /// The `job.end` row: the starter as actor, the job's duration, the outcome.
    static func endEntry(_ job: Job, actor: AuditActor, status: JobStatus, message: String?, now: Int64) -> AuditEntry {
        var actor = actor
        actor.durationMilliseconds = job.startedMs.map { max(0, now - $0) }
        var entry = actor.entry(
            "job.end", outcome: status == .succeeded ? .ok : .failed, target: job.auditTarget,
            parameters: ["kind": job.kind.rawValue, "status": status.rawValue], error: status == .succeeded ? nil : message)
        entry.hostID = job.hostID
        entry.timeMilliseconds = now
        return entry
    }

    static let interruptedMessage = "Wharf stopped while this job ran, so the engine stopped it too; start it again."

    /// A failure in words a user can act on (what the pages and the API say).
    static func describe(_ error: any Error) -> String {
        if let error = error as? any PublicError { return error.publicMessage }
        if error is CancellationError { return "The job was stopped." }
        return "\(error)"
    }

    /// The live output of a running job, nil when it is not running here.
    func output(of id: Int64) -> JobOutput? {
        state.withLock { $0.running[id]?.output }
    }

    /// Whether the job is running in this process.
    func isRunning(_ id: Int64) -> Bool { output(of: id) != nil }

    /// Cancels a running job, audited as `job.cancel`. - Throws: 409 when it is not running.
    func cancel(_ job: Job, context: RequestContext) async throws {
        let name = context.principal?.username ?? "someone"
        let task = state.withLock { s -> Task<Void, Never>?? in
            guard let running = s.running[job.id], !running.output.isEnded else { return nil }
            if s.running[job.id]?.stop == nil { s.running[job.id]?.stop = .cancelled(by: name) }
            return .some(s.running[job.id]?.task)
        }
        var entry = context.auditEntry("job.cancel", outcome: task == nil ? .failed : .ok, target: job.auditTarget,
                                       parameters: ["kind": job.kind.rawValue], httpStatus: task == nil ? .conflict : .accepted,
                                       error: task == nil ? "The job already ended (\(job.status.rawValue))." : nil)
        entry.hostID = job.hostID
        let row = entry
        _ = try await database.write { connection in try AuditLog.append(row, on: connection) }
        guard let task else { throw HTTPError(.conflict, "Job \(job.id) already ended (\(job.status.rawValue)); there is nothing to cancel.") }
        task?.cancel()
    }

    /// Stops every job (they end `interrupted`, their engine requests closed) and refuses new
    /// ones; returns once each has stored its end, or after `grace`.
    package func shutdown(grace: Duration = .seconds(10)) async {
        let tasks = state.withLock { s -> [Task<Void, Never>] in
            s.stopping = true
            for id in s.running.keys where s.running[id]?.stop == nil { s.running[id]?.stop = .shutdown }
            return s.running.values.compactMap(\.task)
        }
        for task in tasks { task.cancel() }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline, state.withLock({ !$0.running.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Marks the jobs a previous run left `queued` or `running` as `interrupted`, each with its
    /// `end` event and `job.end` row. Called at start-up, before anything listens.
    package func recover(now: Int64 = AuditEntry.now()) async throws {
        let count = try await database.write { connection -> Int in
            let live = try JobRepository.live(on: connection)
            for job in live {
                let end = JobEnd(status: JobStatus.interrupted.rawValue, message: Self.interruptedMessage)
                let data = String(decoding: try JSONBody.encode(end), as: UTF8.self)
                try JobRepository.append(
                    [JobEvent(seq: job.lastEvent + 1, kind: .error, data: Self.interruptedMessage),
                     JobEvent(seq: job.lastEvent + 2, kind: .end, data: data)], to: job.id, on: connection)
                try JobRepository.finish(job.id, status: .interrupted, message: Self.interruptedMessage, imageID: nil, now: now, on: connection)
                let actor = AuditActor(source: .system, actorID: job.userID, actorName: job.userName)
                try AuditLog.append(Self.endEntry(job, actor: actor, status: .interrupted, message: Self.interruptedMessage, now: now), on: connection)
            }
            return live.count
        }
        if count > 0 { log("jobs: \(count) job(s) left running by the previous run marked interrupted") }
    }
}
