import FoundationEssentials
import Testing
import WharfTestSupport
@testable import WharfApp
import WharfHTTP
import WharfSQLite
import WharfWire

/// Jobs without an engine: work closures that print, the SSE stream's replay from Last-Event-ID
/// and live follow, many watchers on one tail, bounded memory, cancel, shutdown and crash
/// recovery, retention, and who may watch or cancel.
@Suite(.serialized) struct JobRunnerTests {
    /// An app with host 1 (unreachable; jobs here never call it), an admin, a viewer and an
    /// operator granted host 1, and an outsider with no grant, each with a token.
    struct Setup {
        let app: TestApp
        let tokens: [String: String]

        var runner: JobRunner { app.app.jobs }

        func scope(_ access: HostAccess = .admin) async throws -> HostScope {
            guard let host = try await app.app.hosts.registry.host("1") else { throw HTTPError(.notFound) }
            return HostScope(host: host, access: access, clients: app.app.hosts.clients)
        }

        func context(_ user: Int64 = 1, _ name: String = "root", role: Role = .admin) -> RequestContext {
            var context = RequestContext(requestID: "t")
            context.principal = Principal(userID: user, username: name, role: role, credential: .token(id: user, prefix: "t"), csrfToken: nil)
            return context
        }

        func start(_ target: String = "busybox:latest", _ work: @escaping @Sendable (JobRun) async throws -> JobOutcome) async throws -> Job {
            try await runner.start(
                kind: .pull, target: target, parameters: ["tag": "latest"], action: "image.pull", scope: try await scope(),
                context: context(), work: work)
        }

        func api(_ method: HTTPMethod, _ path: String, as user: String = "root", headers: [(String, String)] = []) async throws -> HTTPResponse {
            var all: HTTPHeaders = ["Authorization": "Bearer \(tokens[user] ?? "")", "Host": "localhost"]
            for (name, value) in headers { all.add(name, value) }
            return try await app.respond(HTTPRequest.make(method, path, headers: all))
        }

        func job(_ id: Int64) async throws -> Job? {
            try await app.app.database.read { connection in try JobRepository.find(id, on: connection) }
        }

        func waitUntilFinal(_ id: Int64, seconds: Double = 10) async throws -> Job? {
            let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
            while ContinuousClock.now < deadline {
                if let job = try await job(id), job.status.isFinal, !runner.isRunning(id) { return job }
                try await Task.sleep(for: .milliseconds(20))
            }
            return try await job(id)
        }
    }

    static func withSetup(_ body: (Setup) async throws -> Void) async throws {
        try await withApp { app in
            try await app.user("root", .admin)
            try await app.user("vic", .viewer)
            try await app.user("olga", .operator)
            try await app.user("otto", .operator)
            try await app.app.hosts.registry.create(HostInput(name: "alpha", url: "unix:///nowhere/alpha.sock"), by: cliActor)
            try await app.app.database.write { connection in
                try Grants.set(.viewer, user: 2, host: 1, on: connection)
                try Grants.set(.operator, user: 3, host: 1, on: connection)
            }
            var tokens: [String: String] = [:]
            for (id, name) in [(1, "root"), (2, "vic"), (3, "olga"), (4, "otto")] as [(Int64, String)] {
                tokens[name] = try await app.accounts.createToken(userID: id, name: "t", role: nil, expiresInDays: nil, by: cliActor).secret
            }
            try await body(Setup(app: app, tokens: tokens))
        }
    }

    /// Server-sent events in `text`: (id, event, data) each.
    static func events(_ text: String) -> [(id: String?, event: String, data: String)] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var id: String?
            var event = "message"
            var data: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
            }
            return data.isEmpty ? nil : (id, event, data.joined(separator: "\n"))
        }
    }

    @Test func outputIsStoredInOrderAndReplayedExactlyFromLastEventID() async throws {
        try await Self.withSetup { setup in
            let job = try await setup.start { run in
                for index in 1...5000 { await run.line("line \(index) <img src=x onerror=alert(1)>") }
                return JobOutcome(imageId: "sha256:abc", tags: ["busybox:latest"])
            }
            let ended = try await setup.waitUntilFinal(job.id)
            #expect(ended?.status == .succeeded)
            #expect(ended?.imageID == "sha256:abc")
            #expect(ended?.lastEvent == 5002, "5000 lines, the result, the end")
            let stored = try await setup.app.app.database.read { connection in
                try JobRepository.events(of: job.id, after: 0, limit: 10_000, on: connection)
            }
            #expect(stored.map(\.seq) == Array(1...5002))
            #expect(stored[4999].data == "line 5000 <img src=x onerror=alert(1)>")

            // A client that had event 4321 gets exactly 4322… and the end, then the stream closes.
            let response = try await setup.api(.get, "/api/v1/jobs/\(job.id)/events", headers: [("Last-Event-ID", "4321")])
            #expect(response.headers["Content-Type"]?.hasPrefix("text/event-stream") == true)
            let probe = StreamProbe(response)
            #expect(await probe.finished())
            let events = Self.events(probe.text)
            #expect(events.first?.id == "4322")
            #expect(events.map(\.id) == (4322...5002).map { String($0) })
            #expect(events.last?.event == "end")
            #expect(events.last?.data == #"{"status":"succeeded"}"#)
            #expect(events[0].data == "line 4322 <img src=x onerror=alert(1)>", "data is text: escaping is the page's job")

            let page = try await setup.app.respond(HTTPRequest.make(.get, "/jobs/\(job.id)", headers: ["Host": "localhost", "Authorization": "Bearer \(setup.tokens["root"] ?? "")"]))
            let html = String(decoding: page.bodyBytes ?? [], as: UTF8.self)
            #expect(page.status == .ok)
            #expect(html.contains("line 5000 &lt;img src=x onerror=alert(1)&gt;") && !html.contains("<img src=x"))
            #expect(!html.contains("data-live="), "a finished job's page opens no stream")
            let actions = try await setup.app.auditActions()
            #expect(actions.suffix(2) == ["image.pull", "job.end"])
        }
    }

    @Test func watchersFollowLiveFromOneTailAndResumeAfterADrop() async throws {
        try await Self.withSetup { setup in
            let gate = AsyncGate()
            let job = try await setup.start { run in
                for index in 1...100 { await run.line("early \(index)") }
                await gate.wait()
                for index in 1...100 { await run.line("late \(index)") }
                return JobOutcome(imageId: nil, tags: [])
            }
            // Ten watchers at once, all on the same in-memory output.
            var probes: [StreamProbe] = []
            for _ in 0..<10 { probes.append(StreamProbe(try await setup.api(.get, "/api/v1/jobs/\(job.id)/events"))) }
            for probe in probes { #expect(await probe.wait { $0.contains("data: early 100\n") }) }
            let output = try #require(setup.runner.output(of: job.id))
            let deadline = ContinuousClock.now + .seconds(5)
            while output.watching < 10, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(output.watching == 10, "every watcher follows the one tail")
            // One leaves (its network dropped) after event 100 and comes back with Last-Event-ID.
            probes[0].cancel()
            gate.open()
            for probe in probes.dropFirst() {
                #expect(await probe.finished())
                #expect(Self.events(probe.text).map(\.id) == (1...201).map { String($0) })
            }
            let back = StreamProbe(try await setup.api(.get, "/api/v1/jobs/\(job.id)/events", headers: [("Last-Event-ID", "100")]))
            #expect(await back.finished())
            #expect(Self.events(back.text).map(\.id) == (101...201).map { String($0) })
        }
    }

    @Test func memoryStaysBoundedWhateverTheProducerPrints() async throws {
        try await Self.withSetup { setup in
            var limits = JobOutput.Limits()
            limits.tailEvents = 100
            limits.tailBytes = 16 * 1024
            limits.maxPendingEvents = 500
            limits.flushInterval = .milliseconds(5)
            let output = JobOutput(jobID: 1, database: setup.app.app.database, limits: limits, log: { _ in })
            _ = try await setup.start { _ in JobOutcome(imageId: nil, tags: []) }
            _ = try await setup.waitUntilFinal(1)
            try await setup.app.app.database.write { connection in try connection.execute("DELETE FROM job_events WHERE job_id = 1") }
            let flusher = Task { await output.runFlusher() }
            var largest = 0
            for index in 1...20_000 {
                await output.append(.line, "line \(index)")
                largest = max(largest, output.memory.events)
            }
            #expect(largest <= 600, "tail + pending stay under tailEvents + maxPendingEvents (\(largest))")
            await output.finish(JobEnd(status: "succeeded", message: nil)) { _ in }
            await flusher.value
            let stored = try await setup.app.app.database.read { connection in
                try connection.queryValue("SELECT COUNT(*) FROM job_events WHERE job_id = 1", as: Int64.self)
            }
            #expect(stored == 20_001)
            // A watcher far behind is sent to the table, then to the tail.
            #expect(output.read(after: 0, limit: 10) == .behind(through: 20_001 - Int64(output.memory.events)))
        }
    }

    @Test func watchersOfALoudJobGetEveryEventInOrderInFewWritesAndTheProducerNeverWaitsForThem() async throws {
        /// A client that reads at once; counts the writes it is given.
        final class Client: EventSinkOutput {
            let text = Locked("")
            let writes = Locked(0)
            let finished = Locked<Bool?>(nil)
            func write(_ bytes: [UInt8]) async throws {
                let piece = String(decoding: bytes, as: UTF8.self)
                text.withLock { $0 += piece }
                writes.withLock { $0 += 1 }
            }
            func writeNow(_ bytes: UnsafeRawBufferPointer) throws -> Int? {
                let piece = String(decoding: bytes, as: UTF8.self)
                text.withLock { $0 += piece }
                writes.withLock { $0 += 1 }
                return bytes.count
            }
            func whenWritable(_ handler: @escaping @Sendable () -> Void) -> Bool { false }
            func abort() {}
            func ended(complete: Bool, bodyBytes: Int) { finished.withLock { $0 = complete } }
        }
        try await Self.withSetup { setup in
            _ = try await setup.start { _ in JobOutcome(imageId: nil, tags: []) }
            _ = try await setup.waitUntilFinal(1)
            try await setup.app.app.database.write { connection in try connection.execute("DELETE FROM job_events WHERE job_id = 1") }
            let output = JobOutput(jobID: 1, database: setup.app.app.database, log: { _ in })
            let flusher = Task { await output.runFlusher() }
            var clients: [Client] = []
            for _ in 0..<10 {
                let client = Client()
                let sink = EventSink(output: client, chunked: false, pendingLimit: 64 * 1024 * 1024)
                sink.attachEnded(failed: false)
                #expect(output.watch(sink, after: 0) != nil)
                clients.append(client)
            }
            for index in 1...20_000 { await output.append(.line, "line \(index)") }
            await output.finish(JobEnd(status: "succeeded", message: nil)) { _ in }
            await flusher.value
            for client in clients {
                #expect(await eventually { client.finished.value == true }, "finished after the end")
                let ids = Self.events(client.text.value).map(\.id)
                #expect(ids == (1...20_001).map { String($0) }, "every event once, in order")
                #expect(client.writes.value < 5_000, "batched: \(client.writes.value) writes for 20,001 events")
            }
            #expect(output.watching == 0)
        }
    }

    @Test func cancelStopsTheWorkAndIsAudited() async throws {
        try await Self.withSetup { setup in
            let job = try await setup.start { run in
                await run.line("working")
                try await Task.sleep(for: .seconds(60))
                return JobOutcome(imageId: nil, tags: [])
            }
            let probe = StreamProbe(try await setup.api(.get, "/api/v1/jobs/\(job.id)/events", as: "vic"))
            #expect(await probe.wait { $0.contains("working") })
            let refused = try await setup.api(.post, "/api/v1/jobs/\(job.id)/cancel", as: "vic")
            #expect(refused.status == .forbidden, "a viewer watches but does not cancel")
            let outsider = try await setup.api(.get, "/api/v1/jobs/\(job.id)", as: "otto")
            #expect(outsider.status == .forbidden, "no grant on the host, no job")
            #expect(try await setup.api(.get, "/api/v1/jobs/999", as: "otto").status == .forbidden, "unknown looks the same")
            #expect(try await setup.api(.get, "/api/v1/jobs/999").status == .notFound, "admins learn it does not exist")
            let cancelled = try await setup.api(.post, "/api/v1/jobs/\(job.id)/cancel", as: "olga")
            #expect(cancelled.status == .accepted)
            #expect(await probe.finished())
            let events = Self.events(probe.text)
            #expect(events.suffix(2).map(\.event) == ["error", "end"])
            #expect(events.last?.data == #"{"message":"Cancelled by olga.","status":"cancelled"}"#)
            #expect(try await setup.job(job.id)?.status == .cancelled)
            let again = try await setup.api(.post, "/api/v1/jobs/\(job.id)/cancel", as: "olga")
            #expect(again.status == .conflict)
            let actions = try await setup.app.auditActions()
            #expect(actions.filter { $0.hasPrefix("job.") || $0 == "image.pull" } == ["image.pull", "job.cancel", "job.end", "job.cancel"])
            #expect(actions.filter { $0 == "auth.denied" }.count >= 3)
        }
    }

    @Test func shutdownInterruptsAndAStartAfterACrashMarksLeftoversInterrupted() async throws {
        try await Self.withSetup { setup in
            let job = try await setup.start { run in
                await run.line("long")
                try await Task.sleep(for: .seconds(60))
                return JobOutcome(imageId: nil, tags: [])
            }
            await setup.runner.shutdown(grace: .seconds(5))
            let interrupted = try await setup.job(job.id)
            #expect(interrupted?.status == .interrupted)
            #expect(interrupted?.message == JobRunner.interruptedMessage)
            await #expect(throws: HTTPError.self) { _ = try await setup.start { _ in JobOutcome(imageId: nil, tags: []) } }

            // A crash leaves a row running; the next start marks it interrupted, with its end.
            try await setup.app.app.database.write { connection in
                try connection.execute("UPDATE jobs SET status = 'running', finished_ms = NULL WHERE id = ?", [.integer(job.id)])
            }
            let runner = JobRunner(database: setup.app.app.database, log: { _ in })
            try await runner.recover()
            let recovered = try await setup.job(job.id)
            #expect(recovered?.status == .interrupted)
            let last = try await setup.app.app.database.read { connection in
                try JobRepository.events(of: job.id, after: 0, limit: 100, on: connection)
            }
            #expect(last.last?.kind == .end)
            #expect(last.map(\.seq) == Array(1...Int64(last.count)), "no gap, no duplicate")
        }
    }

    @Test func retentionRemovesOldAndExcessOutputButKeepsRowsAndAudit() async throws {
        try await Self.withSetup { setup in
            var ids: [Int64] = []
            for round in 0..<3 {
                let job = try await setup.start("image-\(round)") { run in
                    for index in 0..<200 { await run.line(String(repeating: "x", count: 1000) + "\(index)") }
                    return JobOutcome(imageId: nil, tags: [])
                }
                _ = try await setup.waitUntilFinal(job.id)
                ids.append(job.id)
            }
            let audit = try await setup.app.auditActions().count
            let now = AuditEntry.now()
            let (first, second) = (ids[0], ids[1])
            // Old: the first job ended 40 days ago.
            try await setup.app.app.database.write { connection in
                try connection.execute("UPDATE jobs SET finished_ms = ? WHERE id = ?", [.integer(now - 40 * 86_400_000), .integer(first)])
            }
            let aged = try await setup.runner.retention.pruneIfNeeded(now: now)
            #expect(aged.jobs == 1)
            let bad = try await setup.api(.put, "/api/v1/jobs/settings", headers: [("Content-Type", "application/json")])
            #expect(bad.status == .badRequest)
            try await setup.runner.retention.save(JobRetention.Settings(days: 30, megabytes: 1), context: setup.context())
            // 200 KB per job: under 1 MiB in all, nothing more goes; then make the second look big.
            try await setup.app.app.database.write { connection in
                try connection.execute("UPDATE jobs SET output_bytes = 2000000 WHERE id = ?", [.integer(second)])
            }
            let sized = try await setup.runner.retention.pruneIfNeeded(now: now)
            #expect(sized.jobs == 1)
            let rows = try await setup.app.app.database.read { connection in
                try connection.query("SELECT id, pruned_ms, (SELECT COUNT(*) FROM job_events WHERE job_id = jobs.id) AS events FROM jobs ORDER BY id")
            }
            #expect(try rows.map { try $0.get("events", as: Int64.self) } == [0, 0, 201], "200 lines and the end")
            #expect(try rows.map { try $0.get("pruned_ms", as: Int64?.self) != nil } == [true, true, false])
            #expect(try await setup.app.auditActions().count == audit + 1, "only the settings change was added")
            let replay = StreamProbe(try await setup.api(.get, "/api/v1/jobs/\(ids[0])/events"))
            #expect(await replay.finished())
            #expect(Self.events(replay.text).map(\.event) == ["end"], "removed output still ends the stream")
        }
    }
}

/// A one-shot gate a test opens to let a job's work go on.
final class AsyncGate: Sendable {
    private let gate = UploadGate()
    func wait() async { _ = await gate.wait() }
    func open() { gate.open(.success(())) }
}
