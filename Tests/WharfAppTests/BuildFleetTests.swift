import FoundationEssentials
import Glibc
import Testing
@testable import WharfApp
import WharfDocker
import WharfHTTP
import WharfIO
import WharfSQLite
import WharfWire
import WharfTestSupport

/// Builds as jobs against the fleet's engine A: a streamed tar (raw and multipart), a typed
/// Dockerfile, a failing step, cancel (the engine stops: no image, no build container), Wharf
/// stopped mid-build (interrupted, the engine stops too), a body that is not tar (400, the engine
/// never called), and an upload cut off midway (the job fails, nothing is left behind).
@Suite(.serialized) struct BuildFleetTests {
    static let xss = "<img src=x onerror=alert(1)>"

    @Test func aStreamedTarBuildsWithStepsOutputAndTheImage() async throws {
        try await ContainerFleetTests.withFleet { setup, cleanup in
            let tag = ContainerFleetTests.unique("wharf-build") + ":1"
            cleanup.image(tag)
            let context = try TestTar.context(
                dockerfile: "FROM \(setup.image)\nCOPY greeting.txt /greeting.txt\nRUN cat /greeting.txt\nLABEL wharf.test=\"\(Self.xss)\"\n",
                files: [("greeting.txt", "hello from the context \(Self.xss)\n")])
            let response = try await setup.send(
                .post, "/api/v1/hosts/1/build?t=\(FormDecoding.encode(tag))&buildarg=TOKEN%3Dsecret-value&nocache=1",
                body: context, contentType: "application/x-tar")
            let id = try setup.jobID(response)
            #expect(response.headers["Location"] == "/api/v1/jobs/\(id)")
            let events = try await setup.follow(id)
            #expect(events.last?.event == "end")
            #expect(events.last?.data == #"{"status":"succeeded"}"#, "\(events.filter { $0.event == "error" })")
            let steps = events.filter { $0.event == "step" }.map(\.data)
            #expect(steps.count == 4)
            #expect(steps.first?.contains(#""number":1,"text":"FROM"#) == true)
            #expect(events.contains { $0.event == "line" && $0.data == "hello from the context \(Self.xss)" })
            #expect(events.map { Int($0.id ?? "") ?? 0 } == Array(1...events.count), "ids are 1, 2, 3… without gaps")
            let job = try await setup.job(id)
            #expect(job["status"]?.stringValue == "succeeded")
            #expect(job["parameters"]?["buildargs"]?.stringValue == "TOKEN", "build-arg values are not kept")
            let image = try #require(job["imageId"]?.stringValue)
            #expect(try await setup.imageExists(tag))
            let detail = try setup.object(try await setup.send(.get, "/api/v1/hosts/1/images/\(FormDecoding.encode(tag))"))
            #expect(detail["id"]?.stringValue == image)
            #expect(detail["config"]?["labels"]?["wharf.test"]?.stringValue == Self.xss)
            let rows = try await setup.app.auditRows("image.build")
            let parameters = try rows.last?.get("parameters", as: String.self) ?? ""
            #expect(!parameters.contains("secret-value"))
        }
    }

    @Test func multipartAndATypedDockerfileBuildToo() async throws {
        try await ContainerFleetTests.withFleet { setup, cleanup in
            let tag = ContainerFleetTests.unique("wharf-typed") + ":1"
            cleanup.image(tag)
            // A typed Dockerfile with a context: the context's files are there, its Dockerfile is not used.
            let context = try TestTar.context(dockerfile: "FROM scratch\nthis is not used\n", files: [("data.txt", "from the upload\n")])
            let boundary = "----wharfBoundary42"
            let body = TestTar.multipart(boundary: boundary, fields: [
                ("tags", tag), ("dockerfile_text", "FROM \(setup.image)\nCOPY data.txt /data.txt\nRUN cat /data.txt\n"), ("keep", ""),
            ], file: ("context", "ctx.tar", context))
            let page = try await setup.send(
                .post, "/hosts/1/images/build", body: body, contentType: "multipart/form-data; boundary=\(boundary)", headers: [("Accept", "text/html")])
            #expect(page.status == .seeOther, "\(setup.text(page))")
            let location = try #require(page.headers["Location"])
            #expect(location.hasPrefix("/jobs/"))
            let id = try #require(Int64(location.dropFirst(6)))
            let events = try await setup.follow(id)
            #expect(events.last?.data == #"{"status":"succeeded"}"#, "\(events.filter { $0.event == "error" })")
            #expect(events.contains { $0.event == "line" && $0.data == "from the upload" })
            #expect(try await setup.job(id)["parameters"]?["dockerfile"]?.stringValue == "(typed)")
            cleanup.image(try await setup.job(id)["imageId"]?.stringValue ?? "none")

            // Only a typed Dockerfile, no context at all.
            let alone = try await setup.send(
                .post, "/api/v1/hosts/1/build?t=\(FormDecoding.encode(tag))&dockerfileText=\(FormDecoding.encode("FROM \(setup.image)\nRUN echo typed-only\n"))",
                contentType: "application/x-tar")
            let second = try setup.jobID(alone)
            let events2 = try await setup.follow(second)
            cleanup.image(try await setup.job(second)["imageId"]?.stringValue ?? "none")
            #expect(events2.contains { $0.data == "typed-only" })
            #expect(events2.last?.data == #"{"status":"succeeded"}"#)
        }
    }

    @Test func aFailingStepFailsTheJobWithTheEnginesMessageAtThatStep() async throws {
        try await ContainerFleetTests.withFleet { setup, cleanup in
            let context = try TestTar.context(dockerfile: "FROM \(setup.image)\nRUN echo before && exit 3\nRUN echo never\n")
            // forcerm: the failed step's container goes too.
            let id = try setup.jobID(try await setup.send(.post, "/api/v1/hosts/1/build?forcerm=1", body: context, contentType: "application/x-tar"))
            let events = try await setup.follow(id)
            let kinds = events.map(\.event)
            #expect(kinds.suffix(2) == ["error", "end"])
            let error = events[events.count - 2].data
            #expect(error.contains("returned a non-zero code: 3"), "\(error)")
            let lastStep = events.last { $0.event == "step" }?.data ?? ""
            #expect(lastStep.contains(#""number":2"#), "the error follows step 2, where the page shows it")
            #expect(events.contains { $0.data == "before" })
            let job = try await setup.job(id)
            #expect(job["status"]?.stringValue == "failed")
            #expect(job["message"]?.stringValue?.contains("non-zero code: 3") == true)
            let page = setup.text(try await setup.send(.get, "/jobs/\(id)", headers: [("Accept", "text/html")]))
            #expect(page.contains("class=\"failed\""), "the failed step is marked on the page")
        }
    }

    /// The containers on engine A whose command mentions `marker` (a build step's, since other
    /// suites make containers on the same engine meanwhile).
    static func containers(_ setup: ContainerFleetTests.Setup, running marker: String) async throws -> [String] {
        let list = try setup.object(try await setup.send(.get, "/api/v1/hosts/1/containers?all=1"))
        return (list["containers"]?.arrayValue ?? []).filter { $0["command"]?.stringValue?.contains(marker) == true }
            .compactMap { $0["id"]?.stringValue }
    }

    @Test func cancelMidBuildStopsTheEngine() async throws {
        try await ContainerFleetTests.withFleet { setup, cleanup in
            let tag = ContainerFleetTests.unique("wharf-cancel") + ":1"
            let marker = "started-sleeping-\(UInt32.random(in: 0 ... .max))"
            let context = try TestTar.context(dockerfile: "FROM \(setup.image)\nRUN echo \(marker) && sleep 300\n")
            let id = try setup.jobID(try await setup.send(
                .post, "/api/v1/hosts/1/build?t=\(FormDecoding.encode(tag))", body: context, contentType: "application/x-tar"))
            let probe = StreamProbe(try await setup.send(.get, "/api/v1/jobs/\(id)/events"))
            #expect(await probe.wait(seconds: 60) { $0.contains("data: \(marker)") })
            // The RUN step's container exists now.
            let running = try await Self.containers(setup, running: marker)
            #expect(!running.isEmpty, "the build runs a container for its RUN step")
            let cancelled = try await setup.send(.post, "/api/v1/jobs/\(id)/cancel", token: setup.operatorToken)
            #expect(cancelled.status == .accepted)
            #expect(await probe.finished(seconds: 30))
            #expect(JobRunnerTests.events(probe.text).last?.data == #"{"message":"Cancelled by olga.","status":"cancelled"}"#)
            #expect(try await setup.job(id)["status"]?.stringValue == "cancelled")
            // The engine stopped: the step's container goes away, and no image was made.
            var left = try await Self.containers(setup, running: marker)
            let deadline = ContinuousClock.now + .seconds(20)
            while !left.isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                left = try await Self.containers(setup, running: marker)
            }
            #expect(left.isEmpty, "the build container is gone")
            #expect(try await !setup.imageExists(tag))
            let actions = try await setup.app.auditActions()
            #expect(actions.contains("job.cancel") && actions.last { $0.hasPrefix("job.") } == "job.end")
        }
    }

    @Test func aBodyThatIsNotTarIsRefusedBeforeTheEngineIsCalled() async throws {
        // An "engine" that records every request: it must see none.
        let requests = Locked<[String]>([])
        try await TestHTTPServer.run(routes: { routes in
            for method in [HTTPMethod.get, .post, .head] {
                routes.add(method, "/*path", permission: TestPermission.test) { request, _ in
                    requests.withLock { $0.append("\(request.method) \(request.path)") }
                    return HTTPResponse(status: .ok, headers: ["API-Version": "1.41"])
                }
            }
        }) { engine in
            try await ContainerFleetTests.withFleet { setup, cleanup in
                try await setup.app.app.hosts.registry.create(
                    HostInput(name: "recorder", url: "tcp://127.0.0.1:\(engine.address.port ?? 0)"), by: cliActor)
                let dockerfile = Array("FROM busybox\nRUN echo not a tar archive\n".utf8) + [UInt8](repeating: 0x20, count: 600)
                let refused = try await setup.send(.post, "/api/v1/hosts/recorder/build?t=x:1", body: dockerfile, contentType: "application/x-tar")
                #expect(refused.status == .badRequest)
                #expect(try setup.object(refused)["error"]?["code"]?.stringValue == "bad_archive")
                #expect(try setup.object(refused)["error"]?["message"]?.stringValue?.contains("not a tar archive") == true)
                let gzip: [UInt8] = [0x1F, 0x8B, 0x08, 0x00] + [UInt8](repeating: 1, count: 2000)
                let compressed = try await setup.send(.post, "/api/v1/hosts/recorder/load", body: gzip, contentType: "application/x-tar")
                #expect(compressed.status == .badRequest)
                #expect(setup.text(compressed).contains("compressed (gzip)"))
                let unsafe = try TestTar.archive([("../../etc/cron.d/evil", Array("* * * * * root true\n".utf8))])
                let absolute = try await setup.send(.post, "/api/v1/hosts/recorder/import", body: unsafe, contentType: "application/x-tar")
                #expect(absolute.status == .badRequest)
                #expect(setup.text(absolute).contains(".."))
                #expect(requests.value.isEmpty, "the engine was called: \(requests.value)")
                let jobs = try await setup.app.app.database.read { connection in
                    try connection.queryValue("SELECT COUNT(*) FROM jobs", as: Int64.self)
                }
                #expect(jobs == 0, "no job for a refused upload")
            }
        }
    }

    @Test func aBadEntryAfterGoodOnesFailsTheJobAndTheEngineBuildsNothing() async throws {
        try await ContainerFleetTests.withFleet { setup, cleanup in
            let tag = ContainerFleetTests.unique("wharf-late-bad") + ":1"
            let context = try TestTar.archive([
                ("Dockerfile", Array("FROM \(setup.image)\nRUN echo built\n".utf8)),
                ("padding.bin", [UInt8](repeating: 7, count: 200_000)),
                ("/etc/shadow", [1, 2, 3]),
            ])
            // As a connection delivers it: the first header alone, then the rest (so the job starts).
            let response = try await setup.send(
                .post, "/api/v1/hosts/1/build?t=\(FormDecoding.encode(tag))", chunks: [Array(context[0..<512]), Array(context[512...])],
                contentType: "application/x-tar")
            #expect(response.status == .badRequest)
            let message = try setup.object(response)["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("/etc/shadow") && message.contains("(job "), "\(message)")
            let rows = try await setup.app.app.database.read { connection in try connection.query("SELECT status FROM jobs") }
            #expect(try rows.map { try $0.get("status", as: String.self) } == ["failed"])
            try await Task.sleep(for: .seconds(1))
            #expect(try await !setup.imageExists(tag))
        }
    }

    @Test func anUploadCutOffMidwayFailsCleanlyOverARealConnection() async throws {
        guard let fleet = HostFleet.load() else { return }
        let image = HostFleet.environment("WHARF_TEST_IMAGE_BUSYBOX") ?? "wharf-test/busybox:latest"
        try await ApplicationHarness.run { harness in
            let app = harness.application
            try await app.accounts.createUser(username: "root", role: .admin, password: "a long enough password", by: cliActor)
            let token = try await app.accounts.createToken(userID: 1, name: "t", role: nil, expiresInDays: nil, by: cliActor).secret
            try await app.hosts.registry.create(HostInput(name: "engine-a", url: fleet.engineA), by: cliActor)
            let before = try Self.files(harness.dataDirectory)
            let tag = ContainerFleetTests.unique("wharf-cutoff") + ":1"
            let archive = try TestTar.archive([
                ("Dockerfile", Array("FROM \(image)\nRUN echo never\n".utf8)), ("big.bin", [UInt8](repeating: 9, count: 4 * 1024 * 1024)),
            ])
            // Announce the whole archive, send a quarter of it, hang up.
            let client = try await RawHTTPClient.connect(to: harness.address)
            try await client.send(Array((
                "POST /api/v1/hosts/1/build?t=\(FormDecoding.encode(tag)) HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer \(token)\r\nContent-Type: application/x-tar\r\nContent-Length: \(archive.count)\r\n\r\n").utf8))
            try await client.send(Array(archive.prefix(archive.count / 4)))
            let deadline = ContinuousClock.now + .seconds(30)
            var started = false
            while !started, ContinuousClock.now < deadline {
                started = try await app.database.read { connection in try connection.queryValue("SELECT COUNT(*) FROM jobs", as: Int64.self) } == 1
                if !started { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(started, "the job started with the first header")
            await client.close()
            var job: Job?
            while ContinuousClock.now < deadline {
                job = try await app.database.read { connection in try JobRepository.find(1, on: connection) }
                if job?.status.isFinal == true { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(job?.status == .failed)
            #expect(job?.message?.contains("The upload was cut off") == true, "\(job?.message ?? "")")
            // The row is final when the end is stored; the job leaves the runner just after.
            #expect(await eventually { !app.jobs.isRunning(1) }, "no dangling job")
            #expect(try Self.files(harness.dataDirectory) == before, "no temporary file")
            let engine = DockerClient(endpoint: try DockerEndpoint(parsing: fleet.engineA), group: TestHTTPServer.group)
            await #expect(throws: DockerError.self) { _ = try await engine.inspectImage(tag) }
        }
    }

    /// The files in `directory` (the database's WAL files come and go: they are left out).
    static func files(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }.sorted()
    }

    @Test func wharfStoppedMidBuildInterruptsTheJobAndTheEngineStops() async throws {
        guard let fleet = HostFleet.load() else { return }
        let image = HostFleet.environment("WHARF_TEST_IMAGE_BUSYBOX") ?? "wharf-test/busybox:latest"
        let directory = try ApplicationHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = WharfConfiguration(
            listen: [try SocketAddress(ip: "127.0.0.1", port: 0)], dataDirectory: directory, resourcesDirectory: ApplicationHarness.repositoryRoot)
        configuration.accessLog = false
        let first = try await WharfApplication.make(configuration: configuration, log: { _ in })
        try first.start()
        try await first.accounts.createUser(username: "root", role: .admin, password: "a long enough password", by: cliActor)
        let token = try await first.accounts.createToken(userID: 1, name: "t", role: nil, expiresInDays: nil, by: cliActor).secret
        try await first.hosts.registry.create(HostInput(name: "engine-a", url: fleet.engineA), by: cliActor)
        let engine = DockerClient(endpoint: try DockerEndpoint(parsing: fleet.engineA), group: TestHTTPServer.group)
        let marker = "started-sleeping-\(UInt32.random(in: 0 ... .max))"
        func buildContainers() async throws -> [String] {
            try await engine.listContainers(all: true).filter { $0.command?.contains(marker) == true }.map(\.id)
        }
        let context = try TestTar.context(dockerfile: "FROM \(image)\nRUN echo \(marker) && sleep 300\n")
        let headers: HTTPHeaders = ["Authorization": "Bearer \(token)", "Host": "localhost", "Content-Type": "application/x-tar"]
        let request = HTTPRequest.make(.post, "/api/v1/hosts/1/build", headers: headers, body: context)
        var requestContext = RequestContext(requestID: "t", remoteAddress: try SocketAddress(ip: "127.0.0.1", port: 40000))
        first.responder.route(request.head, into: &requestContext)
        let started = try await first.responder.respond(to: request, context: requestContext)
        #expect(started.status == .accepted)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let lines = try await first.database.read { connection in
                try connection.queryValue("SELECT COUNT(*) FROM job_events WHERE data = ?", [.text(marker)], as: Int64.self)
            }
            if lines == 1 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!(try await buildContainers()).isEmpty, "the RUN step's container runs")
        await first.shutdown()

        let second = try await WharfApplication.make(configuration: configuration, log: { _ in })
        let job = try await second.database.read { connection in try JobRepository.find(1, on: connection) }
        #expect(job?.status == .interrupted)
        #expect(job?.message == JobRunner.interruptedMessage)
        let last = try await second.database.read { connection in try JobRepository.events(of: 1, after: 0, limit: 1000, on: connection) }
        #expect(last.last?.kind == .end)
        #expect(last.contains { $0.data == marker }, "the output before the stop is kept")
        await second.shutdown()
        var left = try await buildContainers()
        let stop = ContinuousClock.now + .seconds(20)
        while !left.isEmpty, ContinuousClock.now < stop {
            try await Task.sleep(for: .milliseconds(200))
            left = try await buildContainers()
        }
        #expect(left.isEmpty, "the engine stopped the build: its container is gone")
        engine.shutdown()
    }
}
